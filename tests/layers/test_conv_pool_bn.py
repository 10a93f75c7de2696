"""ConvPoolBN: airbench's conv group."""

import numpy as np
from layers_harness import run_layer_checks

from keras_recipes.layers import ConvPoolBN, Dirac


def test_layer_checks(tmp_path):
    run_layer_checks(
        ConvPoolBN,
        dict(filters=8),
        input_shape=(2, 8, 8, 4),
        expected_output_shape=(2, 4, 4, 8),
        # two conv kernels (no biases), two BN shifts (no scales)
        expected_num_trainable_weights=4,
        expected_num_non_trainable_weights=4,  # BN moving means / variances
        tmp_path=tmp_path,
    )


def test_batch_norm_has_no_scale_and_convs_start_as_identities():
    block = ConvPoolBN(16, bn_momentum=0.4)
    block.build((None, 8, 8, 4))
    assert not block.norm1.scale and block.norm1.center and block.norm1.momentum == 0.4
    assert not block.conv1.use_bias and isinstance(block.kernel_initializer, Dirac)
    kernel = block.conv1.kernel.numpy()
    np.testing.assert_array_equal(kernel[1, 1, :, :4], np.eye(4))
    names = sorted(w.path.split("/")[-1] for w in block.trainable_weights)
    assert names == ["beta", "beta", "kernel", "kernel"]


def test_the_airbench_network_is_its_papers_size():
    from keras_recipes.layers import airbench_cifar

    model = airbench_cifar()
    assert model.output_shape == (None, 10)
    assert [l.filters for l in model.layers if isinstance(l, ConvPoolBN)] == [64, 256, 256]
    assert 1.96e6 < model.count_params() < 1.98e6
