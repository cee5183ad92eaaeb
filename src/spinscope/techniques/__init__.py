"""Propaganda-technique detection: taxonomy, windowing, decoding and the ONNX detector."""
