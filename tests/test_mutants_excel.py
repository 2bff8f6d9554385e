"""The Excel guard's cell and header functions, pinned down where mutation testing found them loose (scripts/mutation).

A page header or footer is cut to Excel's 255 characters with `…`, never between the two `&` of a literal ampersand;
the header row is styled so that it prints: bold white on blue, centred and wrapped.
"""

from __future__ import annotations

from openpyxl import Workbook

from reports.tables import HEADER_FOOTER_LIMIT, header_cells, header_text

LIMIT = HEADER_FOOTER_LIMIT - len("&C")  # what the text may use beside the centre code


def test_a_header_of_exactly_the_limit_is_kept_whole():
    assert header_text("a" * LIMIT) == "a" * LIMIT
    assert header_text("&" * (LIMIT // 2)) == "&&" * (LIMIT // 2)  # doubled, and still within the limit


def test_a_longer_header_is_cut_to_the_limit_with_an_ellipsis():
    assert header_text("a" * (LIMIT + 1)) == "a" * (LIMIT - 1) + "…"
    assert header_text("課" * 300) == "課" * (LIMIT - 1) + "…"


def test_the_cut_never_splits_an_ampersand_pair():
    assert header_text("&" * 200) == "&&" * ((LIMIT - 1) // 2) + "…"  # 126 pairs: 252 characters, then `…`
    assert header_text("a" + "&" * 200) == "a" + "&&" * ((LIMIT - 2) // 2) + "…"  # a pair more would pass 252
    assert header_text("ab&c", limit=4) == "ab…"  # `ab&&` would fill the limit and leave no room for `…`
    assert header_text("a&b", limit=3) == "a…"
    assert header_text("A&B 第2期", limit=20) == "A&&B 第2期"


def test_the_header_row_is_bold_white_on_blue_centred_and_wrapped():
    ws = Workbook(write_only=True).create_sheet()
    cells = header_cells(ws, ["番号", "回答待ちの部署"])
    assert [c.value for c in cells] == ["番号", "回答待ちの部署"]
    for out in cells:
        assert out.font.b and out.font.color.rgb.endswith("FFFFFF")
        assert out.fill.fill_type == "solid" and out.fill.fgColor.rgb.endswith("1D4E89")
        assert out.alignment.vertical == "center" and out.alignment.wrap_text is True
