"""What the loaders accept: data kinds, file extensions, split folder names, sizes."""

KINDS = ("image", "text", "corpus")  # corpus: one text for a language model

# Class folders hold files with these extensions (case-insensitive); anything
# else in them (README, .DS_Store, label files, ...) is ignored.
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".gif")
TEXT_EXTENSIONS = (".txt",)

# Sub-folders of a split layout `root/train/<class>/...`, in lookup order.
SPLIT_FOLDER_NAMES = {
    "train": ("train", "training"),  # training/testing: the MNIST PNG archives' names
    "val": ("val", "validation", "valid"),
    "test": ("test", "testing"),
}

# Folders with at least this many files show a progress bar while loading.
PROGRESS_MIN_FILES = 2000

# Decoded image folders up to this size are kept in memory after the first
# (validating) decode, so images are decoded once; larger ones are decoded
# lazily from their files in the tf.data pipeline.
DEFAULT_MAX_IN_MEMORY_MB = 2048


def check_kind(kind):
    if kind not in KINDS:
        raise ValueError(f"`kind` must be one of {list(KINDS)}. Received: kind={kind!r}")
    return kind


def image_hw(image_size):
    """`image_size` (int, (height, width) or None) as a (height, width) tuple or None."""
    if image_size is None:
        return None
    if isinstance(image_size, int) and not isinstance(image_size, bool):
        hw = (image_size, image_size)
    elif isinstance(image_size, (tuple, list)) and len(image_size) == 2:
        hw = tuple(image_size)
    else:
        hw = None
    if hw is None or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in hw):
        raise ValueError(
            "`image_size` must be a positive int or a (height, width) pair of "
            f"positive ints. Received: image_size={image_size!r}"
        )
    return hw


def check_channels(channels):
    if channels not in (1, 3):
        raise ValueError(f"`channels` must be 1 or 3. Received: channels={channels!r}")
    return channels
