"""Which batch-norm kernel a run trains with, and the reason it records."""

from keras_recipes.runtime.fused_norm import choose_batch_norm


def test_tensorflow_fuses_and_other_backends_keep_keras_ops():
    fused, why = choose_batch_norm("tensorflow")
    assert fused and "FusedBatchNormV3" in why
    fused, why = choose_batch_norm("jax")
    assert not fused and "jax" in why
