"""The recipes' models written in PyTorch, for benchmarks/vs_pytorch.py.

Each mirrors its recipe's defaults layer for layer (widths, batch norm,
shortcuts, masking, dropout, the float32 head) and its optimizer, written as
a PyTorch user would: eager mode, ``torch.autocast("cpu", torch.bfloat16)``
for bfloat16, NCHW images. Only imported where torch is installed (the
``bench`` extra); nothing in keras_recipes imports it.

    import torch_models
    model, optimizer, step = torch_models.build("resnet20")
    loss = step(x_uint8_nhwc, labels, bfloat16=True)
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

# keras_recipes.recipes.cifar_resnet's normalisation (0-255 scale), inside the model as there.
CIFAR10_MEAN = [125.31, 122.95, 113.87]
CIFAR10_STD = [62.99, 62.09, 66.70]


class ResNet20(nn.Module):
    """ResNet-20 (He et al. 2016, option-A zero-pad shortcuts), as `cifar-resnet`
    builds it: uint8 NHWC in, normalised inside, BN momentum 0.9 (Keras; 0.1 in
    PyTorch's convention), eps 1e-5, a float32 softmax head."""

    def __init__(self, num_classes=10, width=16, n=3, channels_last=False):
        super().__init__()
        self.layout = torch.channels_last if channels_last else torch.contiguous_format
        self.register_buffer("mean", torch.tensor(CIFAR10_MEAN).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor(CIFAR10_STD).view(1, 3, 1, 1))
        self.stem = _conv_bn(3, width)
        blocks, channels = [], width
        for stage, filters in enumerate((width, 2 * width, 4 * width)):
            for block in range(n):
                stride = 2 if stage > 0 and block == 0 else 1
                blocks.append(_Block(channels, filters, stride))
                channels = filters
        self.blocks = nn.Sequential(*blocks)
        self.head = nn.Linear(channels, num_classes)

    def forward(self, x):
        # NHWC uint8 -> NCHW float, contiguous as a DataLoader gives it (or channels-last).
        x = x.permute(0, 3, 1, 2).float().contiguous(memory_format=self.layout)
        x = F.relu(self.stem((x - self.mean) / self.std))
        x = self.blocks(x).mean((2, 3))
        with torch.autocast("cpu", enabled=False):  # the float32 head, as the recipe's
            return self.head(x.float())


def _conv_bn(cin, cout, stride=1):
    conv = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
    nn.init.kaiming_normal_(conv.weight)
    return nn.Sequential(conv, nn.BatchNorm2d(cout, eps=1e-5, momentum=0.1))


class _Block(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.a, self.b = _conv_bn(cin, cout, stride), _conv_bn(cout, cout)
        self.pad = cout - cin

    def forward(self, x):
        y = self.b(F.relu(self.a(x)))
        if self.pad:  # option A: subsample and zero-pad the channels
            x = F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad // 2, self.pad - self.pad // 2))
        return F.relu(y + x)


class BiLSTM(nn.Module):
    """`imdb-lstm`: Embedding(10k, 128, masked) -> dropout 0.5 on the LSTM's
    inputs -> BiLSTM-64 over each review's own length (packed, as Keras' mask
    does) -> masked average and max of every step -> dropout 0.5 -> float32 head."""

    def __init__(self, vocab_size=10_000, embed_dim=128, units=64, num_classes=2):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_dim, padding_idx=0)
        self.lstm = nn.LSTM(embed_dim, units, batch_first=True, bidirectional=True)
        self.head = nn.Linear(4 * units, num_classes)

    def forward(self, ids):
        mask = ids != 0
        lengths = mask.sum(1)
        x = F.dropout(self.embed(ids), 0.5, self.training)
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, _ = self.lstm(packed)
        out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=ids.shape[1])
        m = mask[:, :, None]
        avg = (out * m).sum(1) / lengths[:, None]
        top = out.masked_fill(~m, float("-inf")).amax(1)
        x = F.dropout(torch.cat([avg, top], 1), 0.5, self.training)
        with torch.autocast("cpu", enabled=False):
            return self.head(x.float())


class CharLSTM(nn.Module):
    """`shakespeare-char --preset cpu`: Embedding(vocab, 64) -> 2 x (LSTM-256
    -> dropout 0.1) -> float32 logits at every step."""

    def __init__(self, vocab_size=65, embed_dim=64, units=256, layers=2, dropout=0.1):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, embed_dim)
        self.lstms = nn.ModuleList(nn.LSTM(embed_dim if i == 0 else units, units, batch_first=True)
                                   for i in range(layers))
        self.dropout = dropout
        self.head = nn.Linear(units, vocab_size)

    def forward(self, ids):
        x = self.embed(ids)
        for lstm in self.lstms:
            x = F.dropout(lstm(x)[0], self.dropout, self.training)
        with torch.autocast("cpu", enabled=False):
            return self.head(x.float())


def _decaying(model):
    """Kernels decay, biases and batch-norm parameters do not (as the recipes)."""
    decay = [p for p in model.parameters() if p.dim() > 1]
    rest = [p for p in model.parameters() if p.dim() <= 1]
    return decay, rest


def build(name: str, *, vocab_size=None, channels_last=False):
    """``(model, optimizer, step)`` for ``name`` (resnet20, bilstm, char-lstm);
    ``step(x, y, bfloat16)`` runs one training step and returns the loss tensor."""
    if name == "resnet20":
        model = ResNet20(channels_last=channels_last)
        decay, rest = _decaying(model)
        # The recipe's SGD 0.9 with coupled L2 1e-4 on the kernels (= weight_decay here).
        optimizer = torch.optim.SGD([{"params": decay, "weight_decay": 1e-4},
                                     {"params": rest, "weight_decay": 0.0}], lr=0.1, momentum=0.9)
        clip = None
    elif name == "bilstm":
        model = BiLSTM(vocab_size or 10_000)
        optimizer, clip = torch.optim.Adam(model.parameters(), lr=1e-3), 1.0
    elif name == "char-lstm":
        model = CharLSTM(vocab_size or 65)
        optimizer, clip = torch.optim.Adam(model.parameters(), lr=3e-3), 1.0
    else:
        raise ValueError(f"unknown model {name!r}")
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    model.train()

    def step(x, y, bfloat16=False):
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bfloat16):
            logits = model(x)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        loss.backward()
        if clip:
            nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        return loss

    return model, optimizer, step
