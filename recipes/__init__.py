"""Built-in recipes. Importing this package registers them (without TensorFlow).

Each recipe lives in its own module named after it (``cifar-resnet`` in
``cifar_resnet.py``): a default config and a ``build_model(cfg, info)``.
"""

from keras_recipes.recipes import (  # noqa: F401
    cifar_airbench, cifar_plain, cifar_resnet, cifar_vgg, imdb_cnn, imdb_gru, imdb_lstm, imdb_ngram, mnist_cnn,
    mnist_dae, mnist_dcgan, mnist_vae, shakespeare_char,
)
