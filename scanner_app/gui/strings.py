"""Every text the officer reads in the app, Vietnamese and English, in one table.

`tr(key)` answers in the current UI language (Vietnamese by default).
"""
from __future__ import annotations

_LANG = "vi"

STRINGS: dict[str, tuple[str, str]] = {
    "title": ("Số hóa hồ sơ — {code}", "Số hóa hồ sơ (dossier digitising) — {code}"),
    "title_no_code": ("hồ sơ mới", "new dossier"),
    "no_scanner_short": ("Chưa có máy quét", "No scanner"),
    "no_scanner": ("Chưa tìm thấy máy quét. Hãy kiểm tra cáp và nguồn điện của máy quét, cài trình điều khiển "
                   "(driver) của hãng, rồi bấm Cài đặt › Tìm máy quét. Không có máy quét vẫn làm được: "
                   "bấm Nhập tệp (Ctrl+O) hoặc dùng Theo dõi thư mục.",
                   "No scanner found. Check the scanner's cable and power, install the vendor's driver, then "
                   "Settings › Find scanners. Without a scanner: Import files (Ctrl+O) or Watch folder."),
    "form_choice": ("Mẫu:", "Form:"),
    "form_auto": ("Tự nhận dạng", "Recognise automatically"),
    "form_auto_is": ("Tự nhận dạng: {form}", "Recognised: {form}"),
    "form_other": ("Khác (không theo mẫu)", "Other (no form)"),
    "menu_file": ("&Tệp", "&File"),
    "menu_page": ("&Trang", "&Page"),
    "menu_view": ("&Xem", "&View"),
    "menu_help": ("Trợ &giúp", "&Help"),
    "scan": ("Quét", "Scan"),
    "scan_tip": ("Quét từ máy quét đã chọn (F5)", "Scan from the selected scanner (F5)"),
    "import": ("Nhập tệp", "Import files"),
    "import_tip": ("Nhập ảnh hoặc PDF (Ctrl+O); cũng có thể kéo thả tệp vào cửa sổ",
                   "Import images or PDFs (Ctrl+O); you can also drop files on the window"),
    "watch": ("Theo dõi thư mục", "Watch folder"),
    "watch_tip": ("Tự nhận tệp mới trong thư mục theo dõi (cài đặt)", "Take new files from the watched folder"),
    "save": ("Lưu hồ sơ", "Save dossier"),
    "save_tip": ("Lưu từng tài liệu thành PDF/A + JSON vào thư mục kết quả (Ctrl+S)",
                 "Save each document as PDF/A + JSON into the output folder (Ctrl+S)"),
    "export": ("Xuất gói và ký số…", "Export package and sign…"),
    "export_tip": ("Đóng gói hồ sơ đã lưu thành tệp ZIP để tải lên, ký số từng bản quét (Ctrl+E)",
                   "Pack the saved dossier into a ZIP for upload, signing each scan (Ctrl+E)"),
    "export_need_save": ("Hãy lưu hồ sơ trước khi xuất gói", "Save the dossier before exporting it"),
    "export_zip_filter": ("Gói hồ sơ (*.zip)", "Dossier package (*.zip)"),
    "export_sign_ask": ("Ký số các bản quét bằng chứng thư số (.p12/.pfx)?",
                        "Sign the scans with a certificate file (.p12/.pfx)?"),
    "export_cert_filter": ("Chứng thư số (*.p12 *.pfx)", "Certificate (*.p12 *.pfx)"),
    "export_password": ("Mật khẩu chứng thư số:", "Certificate password:"),
    "export_token_ask": ("Ký số các bản quét bằng USB ký số ({token})?", "Sign the scans with the USB token ({token})?"),
    "export_pin": ("Mã PIN của USB ký số:", "Token PIN:"),
    "pkcs11_library": ("Thư viện USB ký số (PKCS#11):", "Signing token library (PKCS#11):"),
    "pkcs11_token": ("Nhãn USB ký số:", "Token label:"),
    "pkcs11_cert_label": ("Nhãn chứng thư trên USB:", "Certificate label on the token:"),
    "status_exporting": ("Đang xuất gói hồ sơ…", "Exporting the package…"),
    "status_exported": ("Đã xuất gói {path}", "Package written: {path}"),
    "new_dossier": ("Hồ sơ mới", "New dossier"),
    "new_document": ("Tài liệu mới", "New document"),
    "new_document_tip": ("Các trang quét tiếp theo thuộc tài liệu mới", "Pages scanned next start a new document"),
    "settings": ("Cài đặt…", "Settings…"),
    "quit": ("Thoát", "Quit"),
    "cancel": ("Hủy", "Cancel"),
    "rotate": ("Xoay phải", "Rotate right"),
    "rotate_left": ("Xoay trái", "Rotate left"),
    "delete_page": ("Xóa trang", "Delete page"),
    "split": ("Tách tài liệu từ đây", "Split document here"),
    "merge": ("Gộp với tài liệu trước", "Merge with previous"),
    "rescan": ("Quét lại trang", "Rescan page"),
    "zoom_in": ("Phóng to", "Zoom in"),
    "zoom_out": ("Thu nhỏ", "Zoom out"),
    "zoom_fit": ("Vừa khung", "Fit"),
    "next_doubt": ("Trường cần kiểm tra tiếp theo", "Next doubtful field"),
    "dossier_code": ("Mã hồ sơ:", "Dossier code:"),
    "dossier_code_ph": ("vd. 000.00.25.H49-240315-0012 hoặc quét tờ bìa QR",
                        "e.g. 000.00.25.H49-240315-0012 or scan a QR cover sheet"),
    "device": ("Máy quét:", "Scanner:"),
    "source": ("Nguồn:", "Source:"),
    "resolution": ("Độ phân giải:", "Resolution:"),
    "mode": ("Màu:", "Colour:"),
    "Color": ("Màu", "Colour"),
    "Gray": ("Xám", "Grey"),
    "Flatbed": ("Mặt kính", "Flatbed"),
    "ADF": ("Khay nạp (ADF)", "Feeder (ADF)"),
    "ADF Duplex": ("Khay nạp 2 mặt", "Feeder duplex"),
    "search_ph": ("Tìm hồ sơ (tên, số định danh, mã hồ sơ…) ↵", "Search dossiers (name, ID, code…) ↵"),
    "search_title": ("Kết quả tìm kiếm", "Search results"),
    "search_none": ("Không tìm thấy hồ sơ nào", "Nothing found"),
    "store_missing": ("Kho hồ sơ chưa sẵn sàng trên máy này", "The dossier store is not available"),
    "fields_title": ("Kiểm tra trường", "Field review"),
    "no_document": ("Chưa có tài liệu. Hãy quét hoặc nhập tệp.", "No document yet. Scan or import files."),
    "processing": ("Đang nhận dạng…", "Recognising…"),
    "doc_header": ("Tài liệu {n}/{total} · {pages} trang · Mẫu: {form}",
                   "Document {n}/{total} · {pages} pages · Form: {form}"),
    "form_unknown": ("không nhận ra", "not recognised"),
    "crop": ("Vùng ảnh của trường", "Field crop"),
    "field_ok": ("Đã đọc chắc chắn", "Read with confidence"),
    "field_doubt": ("Chưa chắc chắn — cần kiểm tra", "Not vouched for — please check"),
    "field_missing": ("Không tìm thấy — nhập tay nếu có", "Not found — type it in if present"),
    "field_invalid": ("Giá trị không hợp lệ", "Invalid value"),
    "field_corrected": ("Đã sửa bởi cán bộ", "Corrected by the officer"),
    "status_ready": ("Sẵn sàng", "Ready"),
    "status_scanning": ("Đang quét… {n} trang", "Scanning… {n} pages"),
    "status_scanned": ("Đã quét {n} trang", "Scanned {n} pages"),
    "status_processing": ("Đang nhận dạng {done}/{total}", "Recognising {done}/{total}"),
    "status_saving": ("Đang lưu tài liệu {done}/{total}", "Saving document {done}/{total}"),
    "status_saved": ("Đã lưu {n} tài liệu vào {folder}", "Saved {n} documents to {folder}"),
    "status_restored": ("Đã khôi phục phiên làm việc chưa lưu ({n} trang)", "Restored the unsaved session ({n} pages)"),
    "status_cover": ("Đã đọc mã hồ sơ từ tờ bìa: {code}", "Dossier code read from the cover sheet: {code}"),
    "status_cancelled": ("Đã hủy", "Cancelled"),
    "status_correction": ("Đã ghi nhận sửa trường {field}", "Correction of {field} recorded"),
    "status_watching": ("Đang theo dõi thư mục {folder}", "Watching folder {folder}"),
    "error_title": ("Lỗi", "Error"),
    "warn_title": ("Chú ý", "Attention"),
    "no_watch_folder": ("Chưa đặt thư mục theo dõi trong Cài đặt", "No watched folder set in Settings"),
    "busy": ("Đang có việc chạy; chờ xong hoặc bấm Hủy", "Busy; wait or press Cancel"),
    "not_ready": ("Còn trang chưa nhận dạng xong; chờ một lát rồi lưu", "Pages are still being recognised; wait a moment"),
    "nothing_to_save": ("Chưa có trang nào để lưu", "Nothing to save"),
    "confirm_new": ("Bỏ hồ sơ hiện tại (chưa lưu) và bắt đầu hồ sơ mới?", "Discard the current (unsaved) dossier and start a new one?"),
    "no_code": ("Chưa có mã hồ sơ: các tài liệu sẽ lưu vào thư mục {folder}", "No dossier code: saving into {folder}"),
    "unexpected": ("Lỗi không mong đợi (đã ghi nhật ký): {error}", "Unexpected error (logged): {error}"),
    "import_filter": ("Ảnh và PDF ({patterns})", "Images and PDFs ({patterns})"),
    "settings_title": ("Cài đặt", "Settings"),
    "find_devices": ("Tìm máy quét", "Find scanners"),
    "searching_devices": ("Đang tìm máy quét…", "Looking for scanners…"),
    "page_size": ("Khổ giấy:", "Page size:"),
    "output_dir": ("Thư mục kết quả:", "Output folder:"),
    "browse": ("Chọn…", "Browse…"),
    "ocr_lang": ("Ngôn ngữ nhận dạng:", "OCR languages:"),
    "jobs": ("Số tiến trình (0 = tự động):", "Processes (0 = auto):"),
    "ui_lang": ("Ngôn ngữ giao diện:", "UI language:"),
    "watch_folder": ("Thư mục theo dõi:", "Watched folder:"),
    "doc_label": ("TL {doc} · tr {page}", "Doc {doc} · p {page}"),
    "pages_word": ("trang", "pages"),
}


def set_language(lang: str) -> None:
    global _LANG
    _LANG = "en" if lang == "en" else "vi"


def language() -> str:
    return _LANG


def tr(key: str, **kw) -> str:
    vi, en = STRINGS.get(key, (key, key))
    text = en if _LANG == "en" else vi
    return text.format(**kw) if kw else text
