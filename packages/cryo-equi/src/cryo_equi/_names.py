"""Valid names for the command line (torch-free: the parser checks them before anything heavy is imported)."""

#: Encoders of the reproduction grid: the cryoAI CNN without / with the symmetric loss, and the D4 encoder.
ENCODERS: tuple[str, ...] = ("cnn", "cnn_symloss", "d4")
#: Encoder architectures (``cnn_symloss`` is the ``cnn`` architecture trained with the symmetric loss).
ARCHITECTURES: tuple[str, ...] = ("cnn", "d4")
