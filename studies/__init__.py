"""The built-in studies, one lesson each (``keras_recipes.experiments``).

Importing this package registers them; ``recipes study list`` shows them.
"""

from keras_recipes.studies import (augmentation, batch_norm, degradation, optimizers,  # noqa: F401
                                   regularization, small_filters, vae_beta,
                                   vanishing_gradients)
