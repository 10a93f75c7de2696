"""Text folders: `root/<label>/*.txt` (e.g. aclImdb/train/{neg,pos}), one example per file."""

import tensorflow as tf

from keras_recipes.datasets.folders import list_class_files
from keras_recipes.datasets.spec import TEXT_EXTENSIONS
from keras_recipes.datasets.splits import Part


def clean_utf8(text):
    """A tf.string tensor with invalid UTF-8 bytes replaced by U+FFFD (never fails)."""
    return tf.strings.unicode_transcode(
        text, input_encoding="UTF-8", output_encoding="UTF-8", errors="replace",
        replacement_char=0xFFFD,
    )


def load_text_folder(root, *, class_names=None, progress=True):
    """One split from `root/<label>/<file>.txt` -> Part of (tf.string, int32) examples.

    Files are read lazily and in parallel by the tf.data pipeline; bytes that
    are not valid UTF-8 become U+FFFD, as Python's `errors="replace"` does.
    """
    paths, labels, class_names = list_class_files(
        root, TEXT_EXTENSIONS, class_names=class_names, progress=progress
    )

    def make_dataset(rows=None):
        selected = paths if rows is None else [paths[i] for i in rows]
        selected_labels = labels if rows is None else labels[rows]
        ds = tf.data.Dataset.from_tensor_slices((tf.constant(selected, tf.string), selected_labels))
        return ds.map(
            lambda path, label: (clean_utf8(tf.io.read_file(path)), label),
            num_parallel_calls=tf.data.AUTOTUNE,
        )

    return Part(labels=labels, make_dataset=make_dataset, origin=root, class_names=class_names,
                any_order=True, keys=list(paths))
