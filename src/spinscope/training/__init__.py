"""Training and evaluation of the technique detector on the PTC corpus (needs the `train` extra
only for training; data loading and scoring are plain Python)."""
