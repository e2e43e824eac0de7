"""The exercise protocol, shared by the lesson builder and the checks (no TensorFlow here).

An exercise cell in solutions/ starts with one line that is the task's only home:

    # Exercise 2.1: implement `predict(x, w, b)`, the perceptron's 0/1 prediction

The builder turns each `### BEGIN SOLUTION` ... `### END SOLUTION` region into a stub that
raises `NotImplementedError(stub_message(number, task))`; a checker shown that stub relays its
message, and a verdict reads the task from the same line (see `helpers.checks`).
"""

import re

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
EXERCISE_LINE = re.compile(r"^#\s*Exercise\s+(\d+\.\d+)\s*[:·—-]\s*(.+?)\s*$")
STUB_MESSAGE = re.compile(r"^Exercise (\d+\.\d+) is yours: (.+)\.$", re.S)


def parse_header(line):
    """(number, task) from `# Exercise 2.1: task`, or None for any other line."""
    match = EXERCISE_LINE.match(line.strip())
    return (match.group(1), match.group(2).rstrip(".")) if match else None


def stub_message(number, task):
    """The message of the stub that stands for an exercise's answer in lessons/."""
    return f"Exercise {number} is yours: {task}."
