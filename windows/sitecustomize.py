"""Wine 8 workarounds for the TEST Python only (build/wine/py, never the product or the installer).

Wine 8.0 has no CopyFile2, which Python 3.12's shutil.copy/copy2 call through _winapi when the
attribute exists: without it shutil falls back to its portable copy, as on older Windows.
"""
import _winapi

if hasattr(_winapi, "CopyFile2"):
    del _winapi.CopyFile2


# distributed (Dask) on Windows before Python 3.13 builds its clock from time.time() samples and
# waits until five of ten samples are equal: true on Windows (a 15.6 ms clock), never under Wine,
# whose time.time() is fine-grained, so the first Dask scheduler loops forever. Under Wine only,
# the offset is taken as the mean of the samples instead.
import importlib.abc
import importlib.machinery
import sys


def _resync(self):
    import time

    samples = [(self.base_timer(), time.perf_counter()) for _ in range(10)]
    self.delta = sum(a - b for a, b in samples) / len(samples)


class _PatchDistributedClock(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path, target=None):
        if name != "distributed.metrics":
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        exec_module = spec.loader.exec_module

        def patched(module):
            exec_module(module)
            if hasattr(module, "_WindowsTime"):
                module._WindowsTime.resync = _resync

        spec.loader.exec_module = patched
        return spec


sys.meta_path.insert(0, _PatchDistributedClock())
