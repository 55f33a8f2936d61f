"""The Word round trip (issue 18): download a clause or the working text as a .docx to mark up
with tracked changes and comments, upload it, check a preview, and confirm it as passage
suggestions and passage comments.

- ``download``: the .docx, each clause in a content control tagged with its id and revision,
  and the file signed (``markers``);
- ``reading``: the uploaded file's limits and its tracked changes and comments, per clause;
- ``preview``: what the upload would create, and what it cannot place;
- ``apply``: the one place that calls the passages service;
- ``routes``: the pages.
"""
