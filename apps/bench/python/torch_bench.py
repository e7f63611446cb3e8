#!/usr/bin/env python3
"""PyTorch reference for the AD-Drop benchmarks (`apps/bench`).

A BERT encoder with a classification head, the same shapes as the tfjs presets (post-LN, exact-erf GELU,
LayerNorm eps 1e-12, dropout 0.1 on embeddings, attention probabilities, attention and FFN outputs and the
classifier, tanh pooler), trained with the same step as `@addrop/trainer`'s `Step.train`: forward,
cross-entropy, backward, `clip_grad_norm_(1.0)`, the loss and norm read back, AdamW (lr 2e-5,
betas 0.9/0.999, eps 1e-8, weight decay 0.01 except biases and LayerNorm weights).

An AD-Drop step (Yang et al., 2022) is implemented efficiently, like ours:
1. a first forward pass in training mode, then ONE `torch.autograd.grad` from the pseudo-label logit sum
   to the attention probabilities of every selected layer (input gradients only, no weight gradients);
2. per attention row, the top-p fraction of real keys by attribution are candidates (ties at the
   threshold included), each dropped with probability q, as a -1e9 bias on that layer's scores;
3. a second forward pass with the same dropout masks (the RNG state is restored) and the biases, then the
   ordinary backward, clipping and AdamW update.
`--attribution per-layer` instead runs one backward per selected layer, as the official code does.

Prints one JSON object. By default: the step kinds (`--kinds`) timed in interleaved rounds after
`--warmup` rounds, per kind the median over `--steps` rounds, and for AD-Drop kinds the attribution pass
and the mask drawing timed on their own. With `--memory KIND`: the peak RSS of `--memory-steps` steps of
that kind alone (VmHWM after resetting it through /proc/self/clear_refs), to be run in a fresh process.
"""
import argparse
import json
import math
import os
import resource
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

PRESETS = {
    # layers, hidden, heads, intermediate
    "tiny": (2, 128, 2, 512),
    "mini": (4, 256, 4, 1024),
    "small": (4, 512, 8, 2048),
    "base": (12, 768, 12, 3072),
}
MASKED_SCORE_BIAS = -1e9


class Layer(nn.Module):
    def __init__(self, hidden, heads, intermediate, dropout, eps):
        super().__init__()
        self.heads = heads
        self.query = nn.Linear(hidden, hidden)
        self.key = nn.Linear(hidden, hidden)
        self.value = nn.Linear(hidden, hidden)
        self.attention_output = nn.Linear(hidden, hidden)
        self.attention_norm = nn.LayerNorm(hidden, eps=eps)
        self.intermediate = nn.Linear(hidden, intermediate)
        self.output = nn.Linear(intermediate, hidden)
        self.output_norm = nn.LayerNorm(hidden, eps=eps)
        self.dropout = dropout

    def forward(self, x, padding_bias, score_bias, keep_probs):
        b, l, h = x.shape
        d = h // self.heads

        def split(t):
            return t.view(b, l, self.heads, d).transpose(1, 2)

        q = split(self.query(x)) * (1.0 / math.sqrt(d))
        k = split(self.key(x))
        v = split(self.value(x))
        scores = torch.matmul(q, k.transpose(-1, -2)) + padding_bias
        if score_bias is not None:
            scores = scores + score_bias
        probs = torch.softmax(scores, dim=-1)
        kept = probs if keep_probs else None
        context = torch.matmul(F.dropout(probs, self.dropout, self.training), v)
        context = context.transpose(1, 2).reshape(b, l, h)
        x = self.attention_norm(F.dropout(self.attention_output(context), self.dropout, self.training) + x)
        y = self.output(F.gelu(self.intermediate(x)))
        x = self.output_norm(F.dropout(y, self.dropout, self.training) + x)
        return x, kept


class Bert(nn.Module):
    def __init__(self, preset, vocab, labels=2, positions=512, types=2, dropout=0.1, eps=1e-12):
        super().__init__()
        layers, hidden, heads, intermediate = PRESETS[preset]
        self.word = nn.Embedding(vocab, hidden)
        self.position = nn.Embedding(positions, hidden)
        self.token_type = nn.Embedding(types, hidden)
        self.embedding_norm = nn.LayerNorm(hidden, eps=eps)
        self.layers = nn.ModuleList(Layer(hidden, heads, intermediate, dropout, eps) for _ in range(layers))
        self.pooler = nn.Linear(hidden, hidden)
        self.classifier = nn.Linear(hidden, labels)
        self.dropout = dropout
        for module in self.modules():
            if isinstance(module, (nn.Linear, nn.Embedding)):
                nn.init.normal_(module.weight, 0.0, 0.02)
            if isinstance(module, nn.Linear):
                nn.init.zeros_(module.bias)

    def forward(self, ids, mask, types, score_biases=None, keep=()):
        b, l = ids.shape
        positions = torch.arange(l).unsqueeze(0)
        x = self.word(ids) + self.token_type(types) + self.position(positions)
        x = F.dropout(self.embedding_norm(x), self.dropout, self.training)
        padding_bias = ((1.0 - mask.float()) * MASKED_SCORE_BIAS).view(b, 1, 1, l)
        kept = {}
        for index, layer in enumerate(self.layers):
            bias = None if score_biases is None else score_biases.get(index)
            x, probs = layer(x, padding_bias, bias, index in keep)
            if probs is not None:
                kept[index] = probs
        pooled = torch.tanh(self.pooler(x[:, 0]))
        return self.classifier(F.dropout(pooled, self.dropout, self.training)), kept


def drop_mask(attribution, mask, p, q, generator):
    """1 where dropped: top-p fraction of each row's real keys (ties at the threshold included), kept with 1-q."""
    b, h, l, _ = attribution.shape
    real = (mask != 0).view(b, 1, 1, l)
    sortable = torch.where(real, attribution, torch.full_like(attribution, math.inf))
    ascending = torch.sort(sortable, dim=-1).values
    n = real.view(b, l).sum(1)
    k = torch.floor(n.double() * (1 - p)).long()
    threshold = ascending.gather(-1, k.clamp(max=l - 1).view(b, 1, 1, 1).expand(b, h, l, 1))
    candidates = real & (k < n).view(b, 1, 1, 1) & (attribution >= threshold)
    draws = torch.rand(attribution.shape, generator=generator)
    return (candidates & (draws < q)).float()


def attribute(model, ids, mask, types, layers, per_layer):
    logits, probs = model(ids, mask, types, keep=set(layers))
    target = logits.gather(1, logits.argmax(-1, keepdim=True)).sum()
    inputs = [probs[index] for index in layers]
    if per_layer:
        return [torch.autograd.grad(target, [t], retain_graph=i < len(inputs) - 1)[0] for i, t in enumerate(inputs)]
    return torch.autograd.grad(target, inputs)


def make_optimizer(model):
    decay, no_decay = [], []
    for name, param in model.named_parameters():
        (no_decay if name.endswith("bias") or "norm.weight" in name else decay).append(param)
    return torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}],
        lr=2e-5, betas=(0.9, 0.999), eps=1e-8,
    )


def train_step(model, optimizer, batch, phase, layers, args, generator):
    ids, mask, types, labels = batch
    biases = None
    if phase == "addrop":
        rng = torch.get_rng_state()
        grads = attribute(model, ids, mask, types, layers, args.attribution == "per-layer")
        with torch.no_grad():
            biases = {index: drop_mask(g, mask, args.p, args.q, generator) * MASKED_SCORE_BIAS for index, g in zip(layers, grads)}
        del grads
        torch.set_rng_state(rng)
    optimizer.zero_grad(set_to_none=True)
    logits, _ = model(ids, mask, types, score_biases=biases)
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    loss_value, norm_value = loss.item(), norm.item()
    optimizer.step()
    return loss_value, norm_value


def status_mb(field):
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


KINDS = {"ft": ("ft", None), "addrop:0": ("addrop", "0"), "addrop:all": ("addrop", "all")}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", choices=sorted(PRESETS), default="tiny")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--seq", type=int, default=64)
    parser.add_argument("--vocab", type=int, default=30522)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--kinds", default="ft,addrop:0,addrop:all",
                        help="step kinds timed in interleaved rounds (ft, addrop:0, addrop:all)")
    parser.add_argument("--memory", choices=sorted(KINDS), default=None,
                        help="instead of timing: the peak RSS of --memory-steps steps of this kind alone")
    parser.add_argument("--memory-steps", type=int, default=2)
    parser.add_argument("--attribution", choices=["one-backward", "per-layer"], default="one-backward")
    parser.add_argument("--p", type=float, default=0.3)
    parser.add_argument("--q", type=float, default=0.3)
    parser.add_argument("--breakdown", type=int, default=None, help="attribution/mask timing samples (default min(steps, 3))")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    torch.manual_seed(0)
    model = Bert(args.preset, args.vocab)
    model.train()
    optimizer = make_optimizer(model)
    data = torch.Generator().manual_seed(20221122)
    ids = torch.randint(1, args.vocab, (args.batch, args.seq), generator=data)
    mask = torch.ones(args.batch, args.seq, dtype=torch.long)
    types = torch.zeros(args.batch, args.seq, dtype=torch.long)
    labels = torch.arange(args.batch) % 2
    batch = (ids, mask, types, labels)
    generator = torch.Generator().manual_seed(4)
    all_layers = list(range(len(model.layers)))

    def layers_of(selection):
        return [0] if selection == "0" else all_layers

    def step(kind):
        phase, selection = KINDS[kind]
        start = time.perf_counter()
        loss, _ = train_step(model, optimizer, batch, phase, layers_of(selection or "0"), args, generator)
        elapsed = (time.perf_counter() - start) * 1000
        if not math.isfinite(loss):
            print(json.dumps({"error": f"a {kind} step gave a non-finite loss {loss}"}))
            sys.exit(1)
        return elapsed

    common = {
        "preset": args.preset, "batch": args.batch, "seq": args.seq, "vocab": args.vocab,
        "threads": torch.get_num_threads(), "torch": torch.__version__, "attribution": args.attribution,
    }
    if args.memory is not None:
        rss_before = status_mb("VmRSS")
        peak_is_steps_only = reset_peak()
        for _ in range(args.memory_steps):
            step(args.memory)
        print(json.dumps({**common, "kind": args.memory, "rssBeforeMb": rss_before,
                          "peakRssMb": status_mb("VmHWM"), "peakIsStepsOnly": peak_is_steps_only}))
        return

    kinds = [k for k in args.kinds.split(",") if k]
    for kind in kinds:
        if kind not in KINDS:
            parser.error(f"unknown kind {kind}")
    samples = {kind: [] for kind in kinds}
    for round_ in range(args.warmup + args.steps):
        for kind in kinds:
            elapsed = step(kind)
            if round_ >= args.warmup:
                samples[kind].append(elapsed)
    results = {}
    for kind in kinds:
        result = {"samplesMs": samples[kind], "medianMs": statistics.median(samples[kind])}
        phase, selection = KINDS[kind]
        breakdown = min(args.steps, 3) if args.breakdown is None else args.breakdown
        if phase == "addrop" and breakdown > 0:
            layers = layers_of(selection)
            attribution_ms, mask_ms = [], []
            for _ in range(breakdown):
                start = time.perf_counter()
                grads = attribute(model, ids, mask, types, layers, args.attribution == "per-layer")
                attribution_ms.append((time.perf_counter() - start) * 1000)
                start = time.perf_counter()
                with torch.no_grad():
                    biases = [drop_mask(g, mask, args.p, args.q, generator) * MASKED_SCORE_BIAS for g in grads]
                mask_ms.append((time.perf_counter() - start) * 1000)
                del grads, biases
            result["attributionMs"] = statistics.median(attribution_ms)
            result["maskMs"] = statistics.median(mask_ms)
        results[kind] = result
    print(json.dumps({**common, "kinds": results}))


if __name__ == "__main__":
    main()
