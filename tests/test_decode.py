import codecs

import pytest

from spinscope.errors import InputError
from spinscope.ingest.decode import decode_bytes, looks_like_html

RUSSIAN = "Москва заявила, что переговоры продолжатся на следующей неделе в Стамбуле. " * 5
FRENCH = "Le président a déclaré que la réforme était « nécessaire » et très attendue. " * 5


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (RUSSIAN.encode("utf-8"), RUSSIAN),
        (codecs.BOM_UTF8 + RUSSIAN.encode("utf-8"), RUSSIAN),
        (RUSSIAN.encode("utf-16"), RUSSIAN),
        (RUSSIAN.encode("utf-16-le"), RUSSIAN),
        (RUSSIAN.encode("windows-1251"), RUSSIAN),
        (FRENCH.encode("windows-1252"), FRENCH),
    ],
)
def test_decodes_common_encodings(data, expected):
    text, _ = decode_bytes(data)
    assert text == expected


def test_html_meta_charset_is_honoured():
    html = '<html><head><meta charset="windows-1251"></head><body><p>Привет, мир</p></body></html>'
    text, encoding = decode_bytes(html.encode("windows-1251"))
    assert "Привет, мир" in text
    assert encoding == "cp1251"


@pytest.mark.parametrize(
    "data", [b"\x89PNG\r\n\x1a\n\x00\x00", bytes(range(256)) * 4, b"%PDF-1.7\n"]
)
def test_binary_is_refused(data):
    with pytest.raises(InputError, match="binary"):
        decode_bytes(data)


def test_html_detection():
    assert looks_like_html("<!DOCTYPE html><html><body><p>x</p></body></html>")
    assert looks_like_html("<!-- saved -->\n<html lang='en'>")
    assert not looks_like_html("He said <b> is a tag, but this is prose about HTML.")
