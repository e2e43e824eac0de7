"""Where output goes: a Jupyter front end or plain text (used by checks, live plots, widgets).

No TensorFlow and no set-up here, so the NumPy-only parts of `helpers` can show things.
"""


def in_notebook():
    """True inside a Jupyter kernel (where rich output reaches a front end)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and shell.__class__.__name__ == "ZMQInteractiveShell"


def show_html(html, text):
    """Show `html` in a notebook (with `text` as its plain-text form); print `text` elsewhere."""
    if not in_notebook():
        print(text)
        return
    from IPython.display import display

    display({"text/html": html, "text/plain": text}, raw=True)
