# PyInstaller runtime hook of the Windows app: Tesseract's languages (vie, eng, osd) ship in the
# app folder; the bundled engine (tesserocr's DLLs) reads them from there, whatever else the PC has.
import os
import sys

os.environ["TESSDATA_PREFIX"] = os.path.join(sys._MEIPASS, "tessdata")
