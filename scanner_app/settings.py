"""App settings as plain JSON in the user's config folder (no QSettings: readable, portable, testable).

`$SOHOA_HOME` (also used by the dossier store) moves config and workspace together, which
keeps tests and portable installs self-contained.
"""
from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

log = logging.getLogger(__name__)

APP = "sohoa"


def config_dir() -> Path:
    home = os.environ.get("SOHOA_HOME")
    if home:
        return Path(home) / "config"
    from platformdirs import user_config_dir

    return Path(user_config_dir(APP, appauthor=False))


def data_dir() -> Path:
    home = os.environ.get("SOHOA_HOME")
    if home:
        return Path(home)
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP, appauthor=False))


def default_output_dir() -> Path:
    from platformdirs import user_documents_dir

    return Path(user_documents_dir()) / "SoHoa"


@dataclass
class ScanPreset:
    """A named scan profile the officer picks from the toolbar or with F6–F9."""

    name: str
    source: str = "ADF"  # Flatbed | ADF | ADF Duplex
    resolution: int = 300
    mode: str = "Color"
    skip_blank: bool = True  # blank pages left out of the PDF (False: kept, e.g. a card's back)
    device: str = ""  # "" = the scanner chosen in the toolbar


#: Decree 30/2020 asks for colour at 200 dpi or more: every default keeps to it.
DEFAULT_PRESETS = (
    ScanPreset("Hồ sơ một cửa (khay nạp, 300 dpi)", "ADF", 300, "Color", True),
    ScanPreset("Giấy tờ hai mặt (khay nạp hai mặt)", "ADF Duplex", 300, "Color", True),
    ScanPreset("CCCD, ảnh (mặt kính, giữ trang trắng)", "Flatbed", 300, "Color", False),
    ScanPreset("Lưu trữ nhanh (khay nạp, 200 dpi)", "ADF", 200, "Color", True),
)


@dataclass
class Settings:
    device: str = ""  # e.g. "test:0", "airscan:e0:...", "folder:/srv/scans"
    resolution: int = 300
    mode: str = "Color"
    source: str = "ADF"
    page_size: str = "A4"
    output_dir: str = ""
    lang: str = "vie"
    jobs: int = 0  # 0 = one per CPU
    ui_lang: str = "vi"  # vi | en
    watch_folder: str = ""
    window_geometry: str = ""  # the main window's last geometry (Qt saveGeometry, base64)
    templates_dirs: list[str] = field(default_factory=list)
    pkcs11_library: str = ""  # the USB signing token's PKCS#11 library (.so/.dll); "" = no token
    pkcs11_token: str = ""  # its token label
    pkcs11_cert_label: str = ""  # certificate label on the token ("" = the only one)
    presets: list[dict] = field(default_factory=lambda: [asdict(p) for p in DEFAULT_PRESETS])
    device_labels: dict[str, str] = field(default_factory=dict)  # device name -> "Vendor Model", as found

    def scan_presets(self) -> list[ScanPreset]:
        """The officer's scan profiles; an entry a hand edit broke is left out, not fatal."""
        known = {f.name for f in fields(ScanPreset)}
        out = []
        for entry in self.presets:
            try:
                out.append(ScanPreset(**{k: v for k, v in dict(entry).items() if k in known}))
            except (TypeError, ValueError):
                log.warning("scan profile %r ignored", entry)
        return out

    @property
    def output_path(self) -> Path:
        return Path(self.output_dir) if self.output_dir else default_output_dir()

    def profile(self, **overrides):
        from scanner_app.devices import ScanProfile

        kw = dict(resolution=self.resolution, mode=self.mode, source=self.source, page_size=self.page_size)
        kw.update(overrides)
        return ScanProfile(**kw)

    def pipeline_options(self):
        from scanner_app.road import pipeline_options

        return pipeline_options(self)


def settings_path() -> Path:
    return config_dir() / "settings.json"


def load_settings(path: Path | None = None) -> Settings:
    """Saved settings, or defaults; a damaged file is logged and ignored, never fatal."""
    path = path or settings_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings()
    except (OSError, ValueError) as exc:
        log.warning("settings file %s unreadable (%s); using defaults", path, exc)
        return Settings()
    known = {f.name for f in fields(Settings)}
    try:
        return Settings(**{k: v for k, v in data.items() if k in known})
    except TypeError:
        return Settings()


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    from exports.files import atomic_write

    path = path or settings_path()
    with atomic_write(path, "w") as fh:
        json.dump(asdict(settings), fh, ensure_ascii=False, indent=2)
    return path
