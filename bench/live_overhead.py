"""What the live training plot costs: lesson 03's Keras run with and without LivePlot.

    .venv/bin/python bench/live_overhead.py [--repeats 3]

Runs inside a real Jupyter kernel (the plot only draws where a front end can show it), with
lesson 03's model and fit settings (two tanh layers of 32 on two spirals, 20 epochs of 100
full-batch SGD steps, validation each epoch), alternating the two variants. Prints a table;
the target is an overhead under 10 % of wall time.
"""

import argparse
import json
import sys

import nbformat
from nbclient import NotebookClient

CODE = r'''
import helpers
import json, time
import keras
import numpy as np
import tensorflow as tf
from helpers import data, live

helpers.setup(verbose=False)
split = data.split(*data.make_spirals(n=600, noise=0.1, seed=0), seed=0)
full_batch = tf.data.Dataset.from_tensors(split.train).repeat()
validation = tf.data.Dataset.from_tensors(split.val)


def train(with_plot):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(32, activation="tanh"),
                              keras.layers.Dense(32, activation="tanh"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=1.0),
                  loss="binary_crossentropy", metrics=["accuracy"])
    callbacks = [live.LivePlot(title="benchmark")] if with_plot else []
    start = time.perf_counter()
    model.fit(full_batch, steps_per_epoch=100, epochs=20, verbose=0,
              validation_data=validation, callbacks=callbacks)
    seconds = time.perf_counter() - start
    draws = callbacks[0].live.draws if callbacks else 0
    return seconds, draws


train(False)  # warm-up: tracing and first-call costs are not the plot's
times = {"without": [], "with": []}
draws = []
for _ in range(REPEATS):
    times["without"].append(train(False)[0])
    seconds, n = train(True)
    times["with"].append(seconds)
    draws.append(n)
print("RESULT " + json.dumps({"times": times, "draws": draws}))
'''


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(CODE.replace("REPEATS", str(args.repeats)))]
    NotebookClient(nb, timeout=900, kernel_name="python3").execute()
    text = "".join(o.get("text", "") for o in nb.cells[0].outputs if o.output_type == "stream")
    result = json.loads(text.split("RESULT ", 1)[1].splitlines()[0])
    without, with_plot = (sorted(result["times"][k]) for k in ("without", "with"))
    median = lambda v: v[len(v) // 2]  # noqa: E731
    overhead = median(with_plot) / median(without) - 1
    print("| run (lesson 03's Keras fit) | median s | all runs s |")
    print("|---|---:|---|")
    print(f"| without LivePlot | {median(without):.2f} | {', '.join(f'{t:.2f}' for t in without)} |")
    print(f"| with LivePlot | {median(with_plot):.2f} | {', '.join(f'{t:.2f}' for t in with_plot)} |")
    print(f"\noverhead {overhead:+.1%} (target < 10 %); redraws per fit: {result['draws']}")
    return 0 if overhead < 0.10 else 1


if __name__ == "__main__":
    sys.exit(main())
