"""A Vietnamese syllable trigram model (interpolated Kneser-Ney), compact and fast to load.

Tesseract reads each word alone; most of its misses on Vietnamese print are a tone mark
(đổi→đồi, tỉnh→tính) that only the neighbouring syllables can decide. The model gives those
neighbours their say: `logprob(w1, w2, w3)` of a lower-case syllable after two others.

The model is trained by `build()` from plain Vietnamese text (`make lm`, from shared/vi-corpus)
and stored as one `.npz` of sorted integer keys and counts: ~10 MB, loaded in well under a
second, looked up with binary search (no Python dict of a million entries).
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator, Optional

import numpy as np

from ocr.textnorm import fold, nfc

MODEL_PATH = Path(__file__).parent / "data" / "vi_syllables.npz"
BOS, NUM, UNK = "<s>", "<num>", "<unk>"
#: Absolute discounts of Kneser-Ney (the usual 0.75 is close to n1/(n1+2·n2) on this corpus).
D2, D3 = 0.75, 0.8
_TOKEN = re.compile(r"[^\W\d_]+|\d+(?:[.,/]\d+)*|[.;:!?()\[\]\"“”]")
_BREAK = set(".;:!?()[]\"“”")


def tokens(line: str) -> Iterator[str]:
    """Lower-case syllables of a text line; numbers as <num>; sentence punctuation as <s>."""
    for m in _TOKEN.finditer(nfc(line).lower()):
        t = m.group()
        if t[0].isdigit():
            yield NUM
        elif t in _BREAK:
            yield BOS
        else:
            yield t


def _sentences(lines: Iterable[str]) -> Iterator[list[str]]:
    for line in lines:
        sent: list[str] = []
        for t in tokens(line):
            if t == BOS:
                if sent:
                    yield sent
                sent = []
            else:
                sent.append(t)
        if sent:
            yield sent


#: Times a syllable must occur to be known (rarer ones are the model's <unk>).
MIN_COUNT = 2


def build(lines: Iterable[str], extra_words: Iterable[str] = (), min_count: int = MIN_COUNT,
          min_trigram: int = 2) -> dict[str, np.ndarray]:
    """Counts -> the arrays `SyllableLM` reads. Deterministic: same text, same arrays."""
    uni: Counter = Counter()
    bi: Counter = Counter()
    tri: Counter = Counter()
    for sent in _sentences(lines):
        seq = [BOS, BOS] + sent + [BOS]
        uni.update(sent)
        bi.update(zip(seq[1:], seq[2:]))
        tri.update(zip(seq, seq[1:], seq[2:]))
    for w in extra_words:  # place names: known syllables even if the laws never print them
        for t in tokens(w):
            if t not in (BOS, NUM):
                uni[t] += min_count
    vocab = [BOS, NUM, UNK] + sorted(w for w, c in uni.items() if c >= min_count and w not in (BOS, NUM))
    ids = {w: i for i, w in enumerate(vocab)}
    V = len(vocab)
    unk = ids[UNK]

    def idx(w: str) -> int:
        return ids.get(w, unk)

    bi_ids: Counter = Counter()
    for (a, b), c in bi.items():
        bi_ids[(idx(a), idx(b))] += c
    tri_ids: Counter = Counter()
    for (a, b, c), n in tri.items():
        tri_ids[(idx(a), idx(b), idx(c))] += n

    # continuation counts: in how many contexts a bigram / a word appears
    cont2: Counter = Counter()  # N1+(. w2 w3)
    for (_a, b, c) in tri_ids:
        cont2[(b, c)] += 1
    for key in bi_ids:  # bigrams at a sentence start have no trigram context of their own
        cont2.setdefault(key, 1)
    cont1 = np.zeros(V, dtype=np.int64)  # N1+(. w)
    for (_b, c) in cont2:
        cont1[c] += 1
    ctx_total = np.zeros(V, dtype=np.int64)  # sum over w3 of N1+(. w2 w3)
    ctx_types = np.zeros(V, dtype=np.int64)  # N1+(w2 .)
    for (b, _c), n in cont2.items():
        ctx_total[b] += n
        ctx_types[b] += 1

    bkeys = np.array(sorted(a * V + b for (a, b) in cont2), dtype=np.int64)
    bcont = np.array([cont2[(int(k) // V, int(k) % V)] for k in bkeys], dtype=np.int32)
    # trigram contexts (w1 w2): count and number of distinct followers, before pruning
    tctx_count: Counter = Counter()
    tctx_types: Counter = Counter()
    for (a, b, _c), n in tri_ids.items():
        tctx_count[a * V + b] += n
        tctx_types[a * V + b] += 1
    bctx_count = np.array([tctx_count.get(int(k), 0) for k in bkeys], dtype=np.int32)
    bctx_types = np.array([tctx_types.get(int(k), 0) for k in bkeys], dtype=np.int32)
    kept = sorted((a * V + b) * V + c for (a, b, c), n in tri_ids.items() if n >= min_trigram)
    tkeys = np.array(kept, dtype=np.int64)
    tcount = np.array([tri_ids[(int(k) // (V * V), (int(k) // V) % V, int(k) % V)] for k in tkeys],
                      dtype=np.int32)
    return {
        "vocab": np.array("\n".join(vocab).encode("utf-8")),
        "unigram_cont": cont1.astype(np.int32),
        "ctx_total": ctx_total.astype(np.int32),
        "ctx_types": ctx_types.astype(np.int32),
        "bigram_keys": bkeys,
        "bigram_cont": bcont,
        "bigram_ctx_count": bctx_count,
        "bigram_ctx_types": bctx_types,
        "trigram_keys": tkeys,
        "trigram_count": tcount,
    }


def save(arrays: dict[str, np.ndarray], path: Path) -> None:
    """`np.savez_compressed` writes fixed zip dates: the same arrays give the same bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, **arrays)


@dataclass
class SyllableLM:
    vocab: list[str]
    ids: dict[str, int]
    variants: dict[str, tuple[str, ...]]  # folded form -> the syllables that fold to it
    cont_sum: int  # N1+(. .): all distinct bigram types
    # the file's arrays as Python dicts and lists: a lookup costs a dict access, not three numpy
    # searches (the correction stage asks ~10^4 times a page)
    bigram_row: dict[int, int]  # bigram key -> its row in `columns`' bigram lists
    trigram_count: dict[int, int]
    columns: dict[str, list[int]]

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> "SyllableLM":
        with np.load(path) as data:
            arrays = {k: data[k] for k in data.files}
        vocab = bytes(arrays.pop("vocab")).decode("utf-8").split("\n")
        variants: dict[str, list[str]] = {}
        for w in vocab[3:]:
            variants.setdefault(fold(w), []).append(w)
        return cls(vocab=vocab, ids={w: i for i, w in enumerate(vocab)},
                   variants={k: tuple(v) for k, v in variants.items()},
                   cont_sum=int(arrays["unigram_cont"].sum()),
                   bigram_row={k: i for i, k in enumerate(arrays["bigram_keys"].tolist())},
                   trigram_count=dict(zip(arrays["trigram_keys"].tolist(), arrays["trigram_count"].tolist())),
                   columns={k: arrays[k].tolist() for k in ("unigram_cont", "ctx_total", "ctx_types", "bigram_cont",
                                                            "bigram_ctx_count", "bigram_ctx_types")})

    def id(self, word: str) -> int:
        return self.ids.get(word, 2)

    def unigram(self, word: str) -> float:
        """How freely the syllable follows others (Kneser-Ney continuation probability)."""
        return self._p1(self.id(word))

    def _p1(self, c: int) -> float:
        return (self.columns["unigram_cont"][c] + 0.5) / (self.cont_sum + 0.5 * len(self.vocab))

    def _bigram(self, b: int, c: int) -> float:
        """P2(c | b)."""
        col = self.columns
        total = col["ctx_total"][b]
        p1 = self._p1(c)
        if total == 0:
            return p1
        row = self.bigram_row.get(b * len(self.vocab) + c, -1)
        cont = col["bigram_cont"][row] if row >= 0 else 0
        return (max(cont - D2, 0) + D2 * col["ctx_types"][b] * p1) / total

    def logprob(self, w1: str, w2: str, w3: str) -> float:
        """Natural log of P(w3 | w1 w2), interpolated Kneser-Ney."""
        return self.logprob_of_ids(self.id(w1), self.id(w2), self.id(w3))

    def logprob_of_ids(self, i1: int, i2: int, i3: int) -> float:
        """`logprob` of syllables already looked up (`id`): the corrector's search asks it
        for the same few syllables thousands of times a page."""
        V = len(self.vocab)
        p2 = self._bigram(i2, i3)
        ctx = i1 * V + i2
        row = self.bigram_row.get(ctx, -1)
        if row < 0:
            return math.log(p2)
        n_ctx, t_ctx = self.columns["bigram_ctx_count"][row], self.columns["bigram_ctx_types"][row]
        if n_ctx == 0:
            return math.log(p2)
        c3 = self.trigram_count.get(ctx * V + i3, 0)
        return math.log((max(c3 - D3, 0) + D3 * t_ctx * p2) / n_ctx)


@lru_cache(maxsize=2)
def load_model(path: Optional[str] = None) -> Optional[SyllableLM]:
    """The shipped model, loaded once per process; None when the file is missing."""
    p = Path(path) if path else MODEL_PATH
    return SyllableLM.load(p) if p.exists() else None


def is_syllable_text(text: str) -> bool:
    """Letters only (a candidate for diacritic correction), NFC."""
    return bool(text) and all(unicodedata.category(ch).startswith("L") for ch in text)
