"""Pure readers of uploaded files: text in, rows and problems out, nothing read from or written
to the database. The services that write what they read are in ``app.services``."""

import csv
import io


class CsvProblem(ValueError):
    """A CSV file that cannot be read as rows, in a person's words."""


def csv_rows(text: str, delimiter: str = ",") -> list[list[str]]:
    """``text`` (a CSV file, decoded) as rows of cells. Raises ``CsvProblem``: a quotation mark
    not closed (it read the rest of the file into one cell, swallowing the rows after it
    without a word), or a cell longer than the csv module takes (131,072 characters), both
    said as a person would say them."""
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as error:
        if "field larger than field limit" in str(error):
            raise CsvProblem(
                f"A cell is longer than {csv.field_size_limit():,} characters: "
                "check the file's quotation marks."
            ) from error
        if "unexpected end of data" in str(error):
            raise CsvProblem(
                f"The quotation mark on line {_unclosed_quote_line(text, delimiter)} is not "
                "closed, so everything after it would be read as one cell: close it (or "
                "remove it) and try again."
            ) from error
        if "line contains NUL" in str(error):
            raise CsvProblem("The file is not a CSV file: save it as CSV UTF-8.") from error
        if "expected after" not in str(error):
            raise CsvProblem(f"The file cannot be read as CSV ({error}).") from error
        # A stray quotation mark inside a cell ('"Jo" Bloggs'): read as written, as before.
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    return rows


def _unclosed_quote_line(text: str, delimiter: str) -> int:
    """The line (from 1) of the record whose quotation mark is not closed: the last record
    the csv module starts before it reaches the end of the data."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    start = 1
    try:
        while True:
            start = reader.line_num + 1
            next(reader)
    except (StopIteration, csv.Error):
        pass
    return start
