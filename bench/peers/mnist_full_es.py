"""The peer a researcher would otherwise write: one MNIST full-ES update in NumPy.

The same work as the playground's `full-es` estimator on the `mnist` task (src/core/tasks/mnist.ts):
N antithetic pairs perturb every weight of a 196 -> H -> 10 tanh MLP (d = 197 H + 10 (H + 1)),
each of the 2N networks is evaluated on the training digits (one episode = one pass, in
minibatches of B), centred-rank fitness shaping, g = (1/N) sum_i w_i eps_i. Vectorised the way
NumPy is fastest: the minibatch is shared by all networks, so the first layer is one GEMM
[B, 197] x [197, 2N H] (OpenBLAS, all cores); the second layer a batched matmul.

Digits are random bytes of the right shape (the timing does not depend on their values).

    python3 bench/peers/mnist_full_es.py --pairs 400 --repeats 5     # prints JSON on stdout
"""
import argparse
import json
import time

import numpy as np


def centred_ranks(x):
    ranks = np.empty(len(x), dtype=np.float32)
    ranks[np.argsort(x)] = np.arange(len(x), dtype=np.float32)
    return ranks / (len(x) - 1) - 0.5


def episode_loss(theta_rows, x_batches, y_batches, hidden):
    p = theta_rows.shape[0]
    n1 = 197 * hidden
    w1 = theta_rows[:, :n1].reshape(p, 197, hidden).transpose(1, 0, 2).reshape(197, p * hidden)
    w2 = theta_rows[:, n1:].reshape(p, hidden + 1, 10)
    total = np.zeros(p, dtype=np.float32)
    for x, y in zip(x_batches, y_batches):
        b = x.shape[0]
        h = np.tanh(x @ w1).reshape(b, p, hidden).transpose(1, 0, 2)  # [P, B, H]
        h1 = np.concatenate([h, np.ones((p, b, 1), dtype=np.float32)], axis=2)
        z = np.matmul(h1, w2)  # [P, B, 10]
        m = z.max(axis=2, keepdims=True)
        lse = np.log(np.exp(z - m).sum(axis=2)) + m[..., 0]
        total += (lse - z[:, np.arange(b), y]).mean(axis=1)
    return total / len(x_batches)


def update(theta, sigma, pairs, x_batches, y_batches, hidden, rng):
    d = theta.shape[0]
    eps = rng.standard_normal((pairs, d), dtype=np.float32)
    particles = np.concatenate([theta + sigma * eps, theta - sigma * eps])
    losses = episode_loss(particles, x_batches, y_batches, hidden)
    shaped = centred_ranks(losses)
    w = (shaped[:pairs] - shaped[pairs:]) / (2 * sigma * pairs)
    return w @ eps


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--pairs', type=int, default=400)
    ap.add_argument('--hidden', type=int, default=16)
    ap.add_argument('--train', type=int, default=500)
    ap.add_argument('--batch', type=int, default=50)
    ap.add_argument('--sigma', type=float, default=0.05)
    ap.add_argument('--repeats', type=int, default=5)
    args = ap.parse_args()
    rng = np.random.default_rng(1)
    d = 197 * args.hidden + 10 * (args.hidden + 1)
    theta = (rng.standard_normal(d, dtype=np.float32) * 0.1).astype(np.float32)
    digits = rng.integers(0, 256, (args.train, 196)).astype(np.float32) / 255
    x = np.concatenate([digits, np.ones((args.train, 1), dtype=np.float32)], axis=1)
    labels = rng.integers(0, 10, args.train)
    nb = args.train // args.batch
    x_batches = [x[i * args.batch:(i + 1) * args.batch] for i in range(nb)]
    y_batches = [labels[i * args.batch:(i + 1) * args.batch] for i in range(nb)]
    update(theta, args.sigma, args.pairs, x_batches, y_batches, args.hidden, rng)  # warm-up
    times = []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        update(theta, args.sigma, args.pairs, x_batches, y_batches, args.hidden, rng)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    print(json.dumps({'peer': 'numpy', 'numpy': np.__version__, 'pairs': args.pairs, 'd': d, 'train': args.train,
                      'batch': args.batch, 'msPerUpdate': times[len(times) // 2], 'times': times}))


if __name__ == '__main__':
    main()
