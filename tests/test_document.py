from spinscope.document import Document, Span


def test_round_trip_keeps_layers_and_span_text():
    doc = Document(source_text="  Hello world.\n", text="Hello world.")
    doc.layers["blocks"] = [Span(2, 14, "body", {"reason": "prose"})]
    doc.layers["sentences"] = [Span(0, 12, "sentence")]
    data = doc.to_dict()
    assert data["layers"]["blocks"][0]["text"] == "Hello world."
    assert data["layers"]["sentences"][0]["text"] == "Hello world."
    again = Document.from_dict(data)
    assert again.layers["blocks"][0].attrs == {"reason": "prose"}
    assert again.to_dict() == data


def test_metadata_always_has_the_contract_fields():
    data = Document(source_text="x", text="x").to_dict()
    assert set(data["metadata"]) >= {"outlet", "published", "headline", "language", "author", "url"}


def test_cache_is_not_serialised():
    doc = Document(source_text="x", text="x")
    doc.cache["spacy"] = object()
    assert "cache" not in doc.to_dict()
