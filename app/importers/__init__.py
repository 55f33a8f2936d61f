"""Pure readers of uploaded files: text in, rows and problems out, nothing read from or written
to the database. The services that write what they read are in ``app.services``."""
