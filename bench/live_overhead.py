"""What the live training plot costs: lesson 03's Keras run with and without LivePlot.

    .venv/bin/python bench/live_overhead.py [--repeats 3]

Runs inside a real Jupyter kernel (the plot only draws where a front end can show it), with
lesson 03's model and fit settings (two tanh layers of 32 on two spirals, 20 epochs of 100
full-batch SGD steps, validation each epoch). Three variants, interleaved: fit alone; fit,
then a static `plots.plot_history` figure (what a lesson draws without the live plot); fit
with `LivePlot`. The overhead is taken between the fastest runs (the least disturbed by other
work on the machine); the target is under 10 % of wall time.
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
import matplotlib.pyplot as plt
from helpers import data, live, plots

helpers.setup(verbose=False)
split = data.split(*data.make_spirals(n=600, noise=0.1, seed=0), seed=0)
full_batch = tf.data.Dataset.from_tensors(split.train).repeat()
validation = tf.data.Dataset.from_tensors(split.val)


def train(variant):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(32, activation="tanh"),
                              keras.layers.Dense(32, activation="tanh"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=1.0),
                  loss="binary_crossentropy", metrics=["accuracy"])
    callbacks = [live.LivePlot(title="benchmark")] if variant == "live" else []
    start = time.perf_counter()
    history = model.fit(full_batch, steps_per_epoch=100, epochs=20, verbose=0, shuffle=False,
                        validation_data=validation, callbacks=callbacks)
    if variant == "static":
        plots.plot_history(history)
        plt.show()
    seconds = time.perf_counter() - start
    draws = callbacks[0].live.draws if callbacks else 0
    return seconds, draws


for variant in ("fit", "static", "live"):  # warm-up: tracing, fonts, first figures
    train(variant)
times = {"fit": [], "static": [], "live": []}
draws = []
for _ in range(REPEATS):
    for variant in times:
        seconds, n = train(variant)
        times[variant].append(seconds)
        draws += [n] if variant == "live" else []
print("RESULT " + json.dumps({"times": times, "draws": draws}))
'''


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(CODE.replace("REPEATS", str(args.repeats)))]
    NotebookClient(nb, timeout=900, kernel_name="python3").execute()
    text = "".join(o.get("text", "") for o in nb.cells[0].outputs if o.output_type == "stream")
    result = json.loads(text.split("RESULT ", 1)[1].splitlines()[0])
    names = {"fit": "fit alone", "static": "fit, then a static plot_history figure",
             "live": "fit with LivePlot"}
    best = {k: min(v) for k, v in result["times"].items()}
    median = {k: sorted(v)[len(v) // 2] for k, v in result["times"].items()}
    print("| lesson 03's Keras fit | fastest s | median s |")
    print("|---|---:|---:|")
    for key, label in names.items():
        print(f"| {label} | {best[key]:.2f} | {median[key]:.2f} |")
    overhead = best["live"] / best["fit"] - 1
    print(f"\nLivePlot overhead over fit alone: {overhead:+.1%} (target < 10 %); over fit and a "
          f"static figure: {best['live'] / best['static'] - 1:+.1%}. Redraws per fit: "
          f"{sorted(set(result['draws']))}; {len(result['times']['fit'])} runs of each.")
    return 0 if overhead < 0.10 else 1


if __name__ == "__main__":
    sys.exit(main())
