"""The tables every sheet of the Excel report is made of: styles, date formats, cells, columns, A4 page setup.

Below reports.excel and the sheet modules (reports.*_sheet) alike: each sheet builds its table from here, and
reports.excel puts the sheets together, so no sheet imports reports.excel (but for its `Report` type) nor another sheet.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from copy import copy
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Protocol

from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.styles.styleable import StyleableObject
from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet

from storage.privacy import FORMULA_STARTS, strip_xml_invalid

Translate = Callable[..., str]
FONT = "Calibri"  # the workbook's own font: a font without a name prints in a serif face in LibreOffice
HEADER_FONT = Font(name=FONT, bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1D4E89")
TITLE_FONT = Font(name=FONT, bold=True, size=16)
LABEL_FONT = Font(name=FONT, bold=True)
SECTION_FONT = Font(name=FONT, bold=True, size=12, color="1D4E89")
OVERDUE_FILL = PatternFill("solid", fgColor="F8CBAD", bgColor="F8CBAD")  # conditional formats read bgColor
OVERDUE_FONT = Font(name=FONT, bold=True, color="9C0006")
LOW_FILL = PatternFill("solid", fgColor="FCE4D6", bgColor="FCE4D6")
HEADER_FOOTER_LIMIT = 255  # characters of a page header or footer, codes included (Excel's limit)
HEADER_POINTS = 9  # the page header's font size: the project, the period and the date fit side by side
CONTENT_LIMIT = 300  # characters of an issue's details or note in the 課題 sheet (a row must fit a printed page)

# Excel number formats. [$-411] is Japanese: g/e are the era and its year (LibreOffice renders it too; the newer
# [$-ja-JP-x-gannen], which writes 元年, LibreOffice shows as a bare number). Both eras take two lines in a table.
ERA = '[$-411]ggge"年"m"月"d"日"'
SEIREKI = 'yyyy"年"m"月"d"日"'
WESTERN = "(yyyy/m/d)"


@dataclass(frozen=True)
class DateStyle:
    """How dates look: in a table column (`date`, `datetime`) and on one line of the title block (`line`)."""

    date: str
    datetime: str
    line: str
    line_datetime: str


DATE_STYLES = {
    "wareki": DateStyle(ERA, f"{ERA} h:mm", ERA, f"{ERA} h:mm"),
    "seireki": DateStyle(SEIREKI, f"{SEIREKI} h:mm", SEIREKI, f"{SEIREKI} h:mm"),
    "both": DateStyle(f"{ERA}\n{WESTERN}", f"{ERA} h:mm\n{WESTERN}", f"{ERA} {WESTERN}", f"{ERA} h:mm {WESTERN}"),
}

# Print: A4 holds about 150 characters of column width across in landscape (narrow margins), 100 in portrait.
LANDSCAPE_CHARS, PORTRAIT_CHARS = 150, 100
LINE_POINTS, MAX_ROW_POINTS = 15.0, 409.0  # a line of 11-point text; Excel's tallest row
CHART_ROWS = 17  # rows (15 points each) a chart takes below the table: about 9 centimetres


class Calendar(Protocol):
    """The business calendar the report counts with (reminders.calendar.BusinessCalendar)."""

    def is_business_day(self, day: dt.date) -> bool: ...
    def business_days_between(self, start: dt.date, end: dt.date) -> int: ...
    def closed_reason(self, day: dt.date) -> str | None: ...
    def holiday_name(self, day: dt.date) -> str | None: ...


# The wide and full-width characters of Unicode's East Asian Width (W, F) a report meets: CJK punctuation and symbols,
# kana, kanji, Hangul, full-width forms. Counted by one regular expression: 100,000 rows are measured.
WIDE = re.compile(
    "[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3"
    "\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\U00020000-\U0003fffd]"
)


def display_width(value: Any) -> int:
    """Columns a value's longest line needs: Japanese (wide) characters count two."""
    text = str(value if value is not None else "")
    return max(len(line) + len(WIDE.findall(line)) for line in text.split("\n"))


def fitted_widths(header: list[str], rows: Iterable[list[Any]], *, minimum: int = 6, maximum: int = 60) -> list[float]:
    """Column widths that fit the header and the sample rows, Japanese text included."""
    widths = [display_width(h) for h in header]
    for row in rows:
        for i, value in enumerate(row):
            widths[i] = max(widths[i], display_width(value))
    return [float(min(max(w + 2, minimum), maximum)) for w in widths]


def cell(ws: Worksheet, value: Any, style: Cell | None = None) -> Any:
    """A value ready to append: text never becomes a formula; in a styled column, the column's template cell.

    Plain values of plain columns are returned unchanged (the cheap path for a million rows). In a styled column the
    template gets the value and is returned: openpyxl writes an appended row at once, so one template serves every
    row of its column. Text that starts like a formula gets a cell of its own (the template's style), stored as text.
    """
    if isinstance(value, str):
        value = strip_xml_invalid(value)  # NUL, other controls, U+FFFE, lone surrogates: no XML may hold them
        if value.startswith(FORMULA_STARTS):
            out = WriteOnlyCell(ws, value=value)
            if style is not None:
                out._style = copy(style._style)
            return _kept_as_text(out)
    if style is None or value is None:
        return value
    if isinstance(value, (dt.date, dt.datetime)):
        value = to_excel(value)  # the serial number Excel keeps a date as; the column's format shows it as one
    style.value = value
    return style


def _kept_as_text(out: WriteOnlyCell) -> WriteOnlyCell:
    """A cell whose text starts like a formula: stored as text (not `=…` run) and, with Excel's quote prefix, kept
    text when someone edits the cell (`+1+1`, `@SUM(…)`)."""
    out.data_type = "s"
    out.quotePrefix = True
    return out


def header_cells(ws: Worksheet, header: list[str]) -> list[WriteOnlyCell]:
    """The styled header row. Titles can come from renkei.yml (department names, questions): the same guard as
    people's text."""
    cells = []
    for title in header:
        title = strip_xml_invalid(title) if isinstance(title, str) else title
        out = WriteOnlyCell(ws, value=title)
        out.font, out.fill = HEADER_FONT, HEADER_FILL
        out.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cells.append(_kept_as_text(out) if isinstance(title, str) and title.startswith(FORMULA_STARTS) else out)
    return cells


def header_text(text: str, limit: int = HEADER_FOOTER_LIMIT - len("&C")) -> str:
    """Text printed as it is in a page header or footer.

    There a lone `&` starts a code (&P page, &D date, &10 a font size, &B bold …), so a project named `A&B` or
    `第2期&10課` would print wrong: each `&` is doubled (Excel's literal ampersand). The result is cut, with `…`,
    never between the two `&` of a pair, to `limit` characters: Excel repairs a file whose header or footer
    (with its `&C`) passes 255.
    """
    escaped = text.replace("&", "&&")
    if len(escaped) <= limit:
        return escaped
    out, used = [], 0
    for char in text:
        piece = "&&" if char == "&" else char
        if used + len(piece) > limit - 1:
            break
        out.append(piece)
        used += len(piece)
    return "".join(out) + "…"


class Template(Cell):
    """A column's template cell, whose value changes row by row: styled before the first row and never after, so its
    style id is looked up once, not once per row (a million rows)."""

    __slots__ = ("_id",)

    def __init__(self, ws: Worksheet):
        super().__init__(ws, row=1, column=1)
        self._id: int | None = None

    @property
    def style_id(self) -> int:
        if self._id is None:
            self._id = StyleableObject.style_id.fget(self)
        return self._id


class Sheet(WriteOnlyWorksheet):
    """openpyxl's write-only sheet, taking the cells it is given as they are.

    openpyxl tries each value as a cell's value first and takes a cell object only when that fails with an exception;
    with most columns styled that detour was a third of the writing time. No hyperlinks here (openpyxl's own sheet
    also places those).
    """

    def _values_to_row(self, values: Iterable[Any], row_idx: int) -> Iterator[Cell]:
        blank = WriteOnlyCell(self)
        for col_idx, value in enumerate(values, 1):
            if value is None:
                continue
            if isinstance(value, Cell):
                out = value
            else:
                out = blank
                out.value = value
            out.column, out.row = col_idx, row_idx
            yield out
            if out is blank and out.has_style:  # openpyxl gave a date its format: the next value needs a plain cell
                blank = WriteOnlyCell(self)


def new_sheet(wb: Workbook, title: str) -> Worksheet:
    """A write-only sheet of the workbook (a `Sheet`)."""
    ws = Sheet(parent=wb, title=title)
    wb._add_sheet(ws)
    return ws


def styled(
    ws: Worksheet, *, number_format: str | None = None, font: Font | None = None, wrap: bool = False, align: str = ""
) -> Cell:
    """A template cell: a column's number format, font and alignment (text at the top of a tall row)."""
    out = Template(ws)
    if number_format:
        out.number_format = number_format
    if font is not None:
        out.font = font
    out.alignment = Alignment(vertical="top", wrap_text=wrap or None, horizontal=align or None)
    return out


@dataclass(frozen=True)
class Column:
    """A column of a table sheet: its title, width (characters) and kind.

    Kinds: `text` (one line), `wrap` (wrapped, the row grows to hold it), `center`, `date`, `datetime`, `percent`.
    """

    title: str
    width: float
    kind: str = "text"


def templates(ws: Worksheet, columns: list[Column], dates: DateStyle) -> list[Cell | None]:
    """One template cell per column, styled for its kind (dates centred, wrapped when they take two lines); none for
    a plain `text` column, whose values are written as they are (the cheap path)."""
    formats = {"date": dates.date, "datetime": dates.datetime, "percent": "0%"}
    return [
        None
        if c.kind == "text"
        else styled(
            ws,
            number_format=formats.get(c.kind),
            wrap=c.kind == "wrap" or (c.kind in ("date", "datetime") and "\n" in formats[c.kind]),
            align="center" if c.kind in ("center", "percent", "date", "datetime") else "",
        )
        for c in columns
    ]


def text_lines(text: str, width: float) -> int:
    """Lines a wrapped text takes in a column `width` characters wide (a little generous: a cut line is unreadable)."""
    room = max(width - 1.0, 1.0)
    lines = 0
    for part in text.split("\n"):
        if len(part) * 2 <= room:  # short enough whatever its characters: no need to measure
            lines += 1
        else:
            lines += max(1, math.ceil(display_width(part) / room))
    return lines


def append_row(ws: Worksheet, index: int, values: list[Any], lines: int = 1) -> None:
    """Append row `index`, as tall as `lines` lines of text.

    LibreOffice does not grow a row for wrapped text when it opens a file, so a row that needs more than one line gets
    its height written. In write-only mode a row's attributes must be there before it is appended: a plain dict of
    them (cheaper than a RowDimension for 100,000 rows) is set just before and dropped just after.
    """
    if lines > 1:
        ws.row_dimensions[index] = {"ht": f"{min(lines * LINE_POINTS + 3, MAX_ROW_POINTS):g}", "customHeight": "1"}
        ws.append(values)
        del ws.row_dimensions[index]
    else:
        ws.append(values)


@dataclass(frozen=True)
class Page:
    """What every printed page of the workbook carries: the project and period (centre), when it was made (right)."""

    title: str
    made: str


def print_setup(
    ws: Worksheet,
    page: Page,
    widths: list[float],
    *,
    title_rows: str,
    title_columns: str | None = None,
) -> None:
    """A4, landscape when the columns are wide; fitted to the page width, or, for a wide matrix whose first columns
    repeat on every page, to as many pages across as it needs at a readable size; title rows repeated on every page;
    the sheet, the project and period, the day it was made in the page header; page numbers in the footer."""
    total = sum(widths)
    landscape = total > PORTRAIT_CHARS
    across = LANDSCAPE_CHARS if landscape else PORTRAIT_CHARS
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    if title_columns:
        repeated = sum(widths[: len(range(*_column_span(title_columns)))])
        ws.page_setup.fitToWidth = max(1, math.ceil((total - repeated) / (across - repeated)))
        ws.print_title_cols = title_columns
    ws.page_setup.fitToHeight = 0  # as many pages down as the rows need
    ws.print_title_rows = title_rows
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.page_margins.header = ws.page_margins.footer = 0.25
    ws.print_options.horizontalCentered = True
    # The project's name and the period are text, never codes; the three parts and their codes (`&L&9 `: section
    # and font size) share Excel's 255 characters, the centre taking what the sheet's name and the date leave.
    left, right = header_text(ws.title, limit=31), header_text(page.made, limit=40)
    centre = header_text(page.title, limit=HEADER_FOOTER_LIMIT - len(left) - len(right) - 3 * len(f"&L&{HEADER_POINTS} "))
    for part, text in ((ws.oddHeader.left, left), (ws.oddHeader.center, centre), (ws.oddHeader.right, right)):
        part.text, part.size = text, HEADER_POINTS
    ws.oddFooter.center.text = "&P / &N"  # codes: page / pages


def _column_span(columns: str) -> tuple[int, int]:
    """`A:C` as range bounds (1, 4)."""
    first, last = columns.split(":")
    return column_index_from_string(first), column_index_from_string(last) + 1


class Table:
    """A table sheet being written: its columns' templates, the next row's number, each row's height."""

    def __init__(self, ws: Worksheet, columns: list[Column], dates: DateStyle, *, header_row: int = 1):
        self.ws, self.columns, self.header_row = ws, columns, header_row
        self.styles = templates(ws, columns, dates)
        self.wrapped = [(i, c.width) for i, c in enumerate(columns) if c.kind == "wrap"]
        two_lines = any(c.kind in ("date", "datetime") for c in columns) and "\n" in dates.date
        self.least = 2 if two_lines else 1
        self.next_row = header_row + 1
        ws.row_dimensions[header_row].height = 30
        ws.append(header_cells(ws, [c.title for c in columns]))

    def add(self, values: list[Any]) -> None:
        """One row: each value in its column's style, the row as tall as its longest wrapped text."""
        lines = self.least
        for i, width in self.wrapped:
            value = values[i]
            if isinstance(value, str) and value:
                lines = max(lines, text_lines(value, width))
        append_row(self.ws, self.next_row, [cell(self.ws, v, s) for v, s in zip(values, self.styles)], lines)
        self.next_row += 1

    @property
    def rows(self) -> int:
        return self.next_row - self.header_row - 1

    def finish(self) -> None:
        """Autofilter over the header and every data row."""
        finish_table(self.ws, len(self.columns), self.rows, header_row=self.header_row)


def table_sheet(wb: Workbook, title: str, columns: list[Column], page: Page, dates: DateStyle) -> Table:
    """A write-only sheet with its header row: widths, frozen header, print setup."""
    ws = new_sheet(wb, title)
    widths = [c.width for c in columns]
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    print_setup(ws, page, widths, title_rows="1:1")
    return Table(ws, columns, dates)


def finish_table(ws: Worksheet, columns: int, rows: int, *, header_row: int = 1) -> None:
    """Autofilter over the header and every data row."""
    ws.auto_filter.ref = f"A{header_row}:{get_column_letter(columns)}{header_row + max(rows, 1)}"
