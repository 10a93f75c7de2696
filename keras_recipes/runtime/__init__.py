"""Where a run executes: hardware detection, precision policy, distribution
strategy (tf.distribute, or keras.distribution on JAX), oneDNN, the recorded
environment and `recipes doctor`. Importing this package imports no TensorFlow."""
