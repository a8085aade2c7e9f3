#!/usr/bin/python3
"""DQN on valor's MinAtar environments in one file (PyTorch, CleanRL style).

The protocol is that of valor's `minatar-dqn` preset (configs/minatar-dqn.toml), itself the MinAtar
paper's examples/dqn.py: a 16-filter 3x3 convolution, 128 hidden units, Huber loss, centered
RMSProp (lr 2.5e-4, alpha 0.95, eps 0.01), replay of 100,000 transitions sampled 32 at a time,
one update per frame after 5,000 frames of uniformly random actions, the target network copied
every 1,000 updates, epsilon from 1 to 0.1 over the 100,000 frames after those, sticky actions
0.1 and difficulty ramping, 500,000 frames.

    PYTHONPATH=build/python /usr/bin/python3 examples/dqn_minatar.py --env breakout \\
        --frames 500000 --seed 0 --out breakout-seed0.json --csv breakout-seed0.csv

Needs Debian's python3-torch and python3-numpy, and valor's module (docs/python.md). The JSON
holds every finished episode's return and the frame at which it ended (as
tools/run-minatar-dqn-reference.py writes them for the original dqn.py) and final_return_mean,
the mean return of the last 100 training episodes; it is rewritten at every progress line, so
an interrupted run leaves what it had done ("complete": false).
"""

import argparse
import collections
import json
import os
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import valor


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--env", default="breakout", help="a MinAtar game (valor.list_envs())")
    p.add_argument("--frames", type=int, default=500_000, help="environment steps in all")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", help="JSON file: per-episode returns, frame stamps, settings")
    p.add_argument("--csv", help="CSV file: episode,frame,return, one row per finished episode")
    p.add_argument("--num-envs", type=int, default=1,
                   help="environments stepped together (1: the reference protocol)")
    p.add_argument("--replay-capacity", type=int, default=100_000)
    p.add_argument("--learning-starts", type=int, default=5_000,
                   help="frames of uniformly random actions before the first update")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--gamma", type=float, default=0.99)
    p.add_argument("--learning-rate", type=float, default=2.5e-4)
    p.add_argument("--target-update", type=int, default=1_000, help="updates between copies")
    p.add_argument("--epsilon-decay-frames", type=int, default=100_000)
    p.add_argument("--epsilon-end", type=float, default=0.1)
    p.add_argument("--sticky-action-prob", type=float, default=0.1)
    p.add_argument("--no-difficulty-ramping", action="store_true")
    p.add_argument("--log-every", type=int, default=10_000, help="frames between progress lines")
    args = p.parse_args()
    for name in ("frames", "num_envs", "replay_capacity", "batch_size", "target_update",
                 "log_every"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be >= 1")
    games = [name for name, family in valor.list_envs() if family == "minatar"]
    if args.env not in games:
        p.error(f"--env {args.env!r} is not a MinAtar game; accepted: {', '.join(games)}")
    if args.frames % args.num_envs:
        p.error(f"--frames ({args.frames}) must be a multiple of --num-envs ({args.num_envs})")
    return args


class QNetwork(nn.Module):
    """conv 16 3x3 stride 1, ReLU, linear 128, ReLU, linear (one output per action)."""

    def __init__(self, channels, actions):
        super().__init__()
        self.conv = nn.Conv2d(channels, 16, kernel_size=3, stride=1)
        self.hidden = nn.Linear(16 * 8 * 8, 128)
        self.out = nn.Linear(128, actions)

    def forward(self, x):
        x = F.relu(self.conv(x))
        return self.out(F.relu(self.hidden(x.flatten(1))))


class Replay:
    """A ring of the last `capacity` transitions, observations as uint8 (MinAtar's are 0/1)."""

    def __init__(self, capacity, obs_shape):
        self.obs = np.zeros((capacity, *obs_shape), np.uint8)
        self.next_obs = np.zeros((capacity, *obs_shape), np.uint8)
        self.actions = np.zeros(capacity, np.int64)
        self.rewards = np.zeros(capacity, np.float32)
        self.terminated = np.zeros(capacity, np.float32)
        self.capacity, self.size, self.pos = capacity, 0, 0

    def add(self, obs, next_obs, action, reward, terminated):
        i = self.pos
        self.obs[i], self.next_obs[i] = obs, next_obs
        self.actions[i], self.rewards[i], self.terminated[i] = action, reward, terminated
        self.pos = (i + 1) % self.capacity
        self.size = min(self.size + 1, self.capacity)

    def sample(self, rng, n):
        """n transitions drawn uniformly with replacement, as torch tensors."""
        idx = rng.integers(self.size, size=n)
        return (torch.from_numpy(self.obs[idx]).float(), torch.from_numpy(self.next_obs[idx]).float(),
                torch.from_numpy(self.actions[idx]), torch.from_numpy(self.rewards[idx]),
                torch.from_numpy(self.terminated[idx]))


def epsilon_at(frame, args):
    """Uniformly random before learning starts, then linear from 1 to epsilon_end."""
    if frame < args.learning_starts:
        return 1.0
    t = min(1.0, (frame - args.learning_starts) / args.epsilon_decay_frames)
    return 1.0 + t * (args.epsilon_end - 1.0)


def write_results(args, returns, stamps, frames, wall, complete):
    last = returns[-100:]
    record = {
        "game": args.env, "seed": args.seed, "frames": frames, "episodes": len(returns),
        "final_return_mean": sum(last) / len(last) if last else None,
        "wall_seconds": wall, "frames_per_second": frames / wall if wall > 0 else None,
        "complete": complete, "settings": vars(args), "returns": returns, "frame_stamps": stamps,
    }
    if args.out:
        tmp = args.out + ".tmp"
        with open(tmp, "w") as f:
            json.dump(record, f)
        os.replace(tmp, args.out)
    if args.csv:
        tmp = args.csv + ".tmp"
        with open(tmp, "w") as f:
            f.write("episode,frame,return\n")
            for i, (frame, ret) in enumerate(zip(stamps, returns)):
                f.write(f"{i + 1},{frame},{ret:g}\n")
        os.replace(tmp, args.csv)


def main():
    args = parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)

    envs = valor.make_vec(args.env, args.num_envs, seed=args.seed,
                          sticky_action_prob=args.sticky_action_prob,
                          difficulty_ramping=not args.no_difficulty_ramping)
    obs_shape = envs.single_observation_space.shape
    num_actions = envs.single_action_space.n
    q = QNetwork(obs_shape[0], num_actions)
    target = QNetwork(obs_shape[0], num_actions)
    target.load_state_dict(q.state_dict())
    optimizer = torch.optim.RMSprop(q.parameters(), lr=args.learning_rate, alpha=0.95, eps=0.01,
                                    centered=True)
    replay = Replay(args.replay_capacity, obs_shape)

    returns, stamps = [], []
    recent = collections.deque(maxlen=100)
    losses = []
    updates = 0
    obs, _ = envs.reset()
    start = time.time()
    frame = 0
    while frame < args.frames:
        # Epsilon-greedy, environment i at the epsilon of frame `frame + i`.
        explore = rng.random(args.num_envs) < [epsilon_at(frame + i, args)
                                               for i in range(args.num_envs)]
        actions = rng.integers(num_actions, size=args.num_envs)
        if not explore.all():
            with torch.no_grad():
                greedy = q(torch.from_numpy(obs)).argmax(1).numpy()
            actions = np.where(explore, actions, greedy)
        next_obs, rewards, terminated, truncated, info = envs.step(actions)

        for i in range(args.num_envs):
            # After an episode end next_obs[i] is the next episode's first observation; the
            # transition ends in the finished episode's last one.
            ended = terminated[i] or truncated[i]
            last = info["final_observation"][i] if ended else next_obs[i]
            replay.add(obs[i], last, actions[i], rewards[i], terminated[i])
            if ended:
                returns.append(float(info["episode"]["r"][i]))
                stamps.append(frame + i + 1)
                recent.append(returns[-1])

        # One update for each new frame k > learning_starts (k counted from 1), as valor does.
        for k in range(frame + 1, frame + args.num_envs + 1):
            if k <= args.learning_starts or replay.size < args.batch_size:
                continue
            b_obs, b_next, b_act, b_rew, b_term = replay.sample(rng, args.batch_size)
            with torch.no_grad():
                y = b_rew + args.gamma * (1.0 - b_term) * target(b_next).max(1).values
            q_sa = q(b_obs).gather(1, b_act.unsqueeze(1)).squeeze(1)
            loss = F.smooth_l1_loss(q_sa, y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            updates += 1
            if updates % args.target_update == 0:
                target.load_state_dict(q.state_dict())

        previous, frame = frame, frame + args.num_envs
        if frame // args.log_every > previous // args.log_every or frame == args.frames:
            wall = time.time() - start
            rate = frame / wall
            mean = f"{sum(recent) / len(recent):.2f}" if recent else "-"
            loss_text = f"{sum(losses) / len(losses):.4f}" if losses else "-"
            print(f"frame {frame}/{args.frames}  {rate:.0f} frames/s  "
                  f"ETA {(args.frames - frame) / rate:.0f} s  episodes {len(returns)}  "
                  f"return (last 100) {mean}  epsilon {epsilon_at(frame, args):.3f}  "
                  f"loss {loss_text}  updates {updates}", flush=True)
            losses.clear()
            write_results(args, returns, stamps, frame, wall, frame == args.frames)
        obs = next_obs

    last = returns[-100:]
    print(f"{args.env} seed {args.seed}: {args.frames} frames, {len(returns)} episodes, "
          f"final return (mean of the last {len(last)} episodes) "
          f"{sum(last) / max(len(last), 1):.2f}", flush=True)


if __name__ == "__main__":
    main()
