"""LookaheadSGD (airbench's optimizer) and the triangular schedule, against
NumPy versions of the reference's update rules."""

import keras
import numpy as np
import pytest

from keras_recipes.training.lookahead_sgd import LookaheadSGD
from keras_recipes.training.schedules import Triangular

TARGET = np.array([1.0, -2.0, 0.5], "float32")


def descend(optimizer, variables, steps):
    """``steps`` steps on 0.5 * |w - TARGET|^2 for each variable; the values after."""
    for _ in range(steps):
        grads = [keras.ops.convert_to_tensor(v.numpy() - TARGET) for v in variables]
        optimizer.apply(grads, variables)
    return [v.numpy() for v in variables]


def nesterov(w, v, g, lr, mu):
    v = mu * v - lr * g
    return w + mu * v - lr * g, v


def test_plain_it_is_keras_nesterov_sgd():
    ours, theirs = keras.Variable(np.zeros(3, "float32")), keras.Variable(np.zeros(3, "float32"))
    got = descend(LookaheadSGD(0.1, momentum=0.85, nesterov=True), [ours], 7)
    want = descend(keras.optimizers.SGD(0.1, momentum=0.85, nesterov=True), [theirs], 7)
    np.testing.assert_allclose(got[0], want[0], rtol=1e-6)


def test_scaled_learning_rate_keeps_the_decay_and_a_limit_freezes():
    scaled, frozen, plain = (keras.Variable(np.full(3, 3.0, "float32")) for _ in range(3))
    optimizer = LookaheadSGD(0.01, momentum=0.85, nesterov=True, l2=0.1)
    optimizer.scale_learning_rate([scaled], 64.0)
    optimizer.train_until([frozen], 2)
    got = descend(optimizer, [scaled, frozen, plain], 5)
    expected = {}
    for name, k, limit in (("scaled", 64.0, None), ("frozen", 1.0, 2), ("plain", 1.0, None)):
        w, v = np.full(3, 3.0), np.zeros(3)
        for step in range(5):
            if limit is not None and step >= limit:
                continue
            w, v = nesterov(w, v, (w - TARGET) + 0.1 / k * w, 0.01 * k, 0.85)
        expected[name] = w
    for value, name in zip(got, ("scaled", "frozen", "plain")):
        np.testing.assert_allclose(value, expected[name], rtol=1e-5, err_msg=name)
    with pytest.raises(ValueError, match="before the optimizer is built"):
        optimizer.scale_learning_rate([plain], 2.0)


def reference_lookahead(steps, lr, mu, every, start, decay, power, total, epoch_steps):
    """airbench94's loop: Nesterov steps, LookaheadState every `every` steps
    after `start`, and a copy back at the end of each epoch."""
    w, v, slow = np.zeros(3), np.zeros(3), None
    for t in range(1, steps + 1):
        w, v = nesterov(w, v, w - TARGET, lr, mu)
        if t > start and t % every == 0:
            if slow is None:
                slow = w.copy()
            else:
                rho = decay**every * (t / total) ** power
                slow = rho * slow + (1 - rho) * w
                w = slow.copy()
        if slow is not None and t % epoch_steps == 0:
            w = slow.copy()
    return w


@pytest.mark.parametrize("steps", [9, 14, 23])
def test_lookahead_is_the_references(steps):
    settings = dict(every=2, start=6, decay=0.9, power=1.0, total=23, epoch_steps=7)
    variable = keras.Variable(np.zeros(3, "float32"))
    optimizer = LookaheadSGD(
        0.05, momentum=0.8, nesterov=True, lookahead_every=settings["every"],
        lookahead_start=settings["start"], lookahead_decay=settings["decay"],
        lookahead_power=settings["power"], total_steps=settings["total"],
        epoch_steps=settings["epoch_steps"])
    got = descend(optimizer, [variable], steps)[0]
    np.testing.assert_allclose(got, reference_lookahead(steps, 0.05, 0.8, **settings), rtol=1e-5)
    # The slow copy is optimizer state: a backup of the optimizer holds it.
    assert any("lookahead" in v.path for v in optimizer.variables)


def test_config_round_trip():
    optimizer = LookaheadSGD(0.1, momentum=0.85, nesterov=True, l2=1e-3, lookahead_every=5,
                             total_steps=100, epoch_steps=10)
    revived = LookaheadSGD.from_config(optimizer.get_config())
    assert revived.get_config() == optimizer.get_config()


def test_triangular_schedule_is_airbenchs():
    schedule = Triangular(max_lr=2.0, total_steps=100, peak_at=0.23)
    lr = [float(schedule(step)) for step in (0, 23, 100)]
    np.testing.assert_allclose(lr, [0.4, 2.0, 0.14], rtol=1e-6)
    assert float(schedule(11)) == pytest.approx(2.0 * (0.2 + 0.8 * 11 / 23), rel=1e-6)
    revived = Triangular.from_config(schedule.get_config())
    assert float(revived(60)) == pytest.approx(float(schedule(60)))
