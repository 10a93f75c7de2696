"""A backup keeps the seed state of in-model random layers, which Keras'
save_weights leaves out: a restored model draws what the saved one would."""

import keras
import numpy as np

from keras_recipes.rundir.backups import BackupStore, seed_states


def shifter():
    inputs = keras.Input((8, 8, 1))
    outputs = keras.layers.RandomTranslation(0.3, 0.3, seed=5)(inputs)
    model = keras.Model(inputs, outputs)
    model.compile("sgd", "mse")
    return model


def test_restore_continues_the_random_stream(tmp_path):
    x = np.random.default_rng(0).random((4, 8, 8, 1)).astype("float32")
    saved = shifter()
    saved(x, training=True)  # the stream moves on
    store = BackupStore(tmp_path / "backup")
    record = store.save(saved, epoch=0, batch=1)
    assert len(record["seed_states"]) == len(seed_states(saved)) == 1
    expected = np.asarray(saved(x, training=True))
    restored = shifter()
    store.restore(restored)
    np.testing.assert_array_equal(np.asarray(restored(x, training=True)), expected)
    # Without the state (Keras' own save_weights), the stream restarts.
    fresh = shifter()
    fresh.load_weights(tmp_path / "backup" / record["weights"])
    assert not np.array_equal(np.asarray(fresh(x, training=True)), expected)
