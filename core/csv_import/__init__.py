"""CSV import: members, orders and order items from files (the format is docs/csv-format.md).

read_csv (bytes -> CsvFile: encoding, headers, rows with their lines) → suggest_mapping (headers ->
fields) → check / check_for_shop (good rows in normal form, bad rows with line and reasons) →
import_checked (one unit of work, recorded as a sync run). import_csv does all four.

import_file does the same batch by batch in bounded memory (open_csv -> batches -> staged on disk ->
swapped into the store), for files of any size, and check_file makes its checks without writing (open_source
opens a CSV or Excel file as a batch source); an Excel workbook (.xlsx, .xls) is another batch source
(core/csv_import/excel.py), read through the same mapping and checks with Excel's row numbers as lines.
"""
from core.csv_import.batches import BATCH_BYTES, BatchSource, CsvBatches, open_csv
from core.csv_import.excel import ExcelBatches, open_excel, read_excel, read_file
from core.csv_import.fields import FIELDS, KINDS, Field, fields, suggest_mapping
from core.csv_import.importer import (
    PLATFORM,
    ImportResult,
    NotCsvShop,
    Words,
    bad_rows_record,
    check_file,
    check_for_shop,
    create_csv_shop,
    csv_shop,
    csv_shops,
    import_checked,
    import_csv,
    import_file,
    open_source,
    technical,
)
from core.csv_import.reading import LINE, CsvError, CsvFile, read_csv
from core.csv_import.validate import BadRow, Checked, MappingError, Reason, check, first_rows

__all__ = ["FIELDS", "KINDS", "LINE", "PLATFORM", "BadRow", "Checked", "CsvError", "CsvFile", "Field",
           "ImportResult", "MappingError", "NotCsvShop", "Reason", "Words", "bad_rows_record", "check",
           "check_for_shop", "create_csv_shop", "csv_shop", "csv_shops", "fields", "first_rows", "import_checked",
           "import_csv", "read_csv",
           "ExcelBatches", "open_excel", "read_excel", "read_file",
           "BATCH_BYTES", "BatchSource", "CsvBatches", "check_file", "import_file", "open_csv", "open_source",
           "suggest_mapping", "technical"]
