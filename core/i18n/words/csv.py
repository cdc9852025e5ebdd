"""Words of the CSV import (설정 › CSV 가져오기): the page, the reasons a row is bad, the sync-history lines."""
from __future__ import annotations

WORDS: dict[str, tuple[str, str | dict[str, str]]] = {
    "nav.csv_import": ("CSV 가져오기", "CSV import"),
    "started_by.csv": ("CSV 가져오기", "CSV import"),
    "entity.order_items": ("주문 상품", "order items"),
    # what a file holds
    "csv.kind.members": ("회원", "Members"),
    "csv.kind.orders": ("주문", "Orders"),
    "csv.kind.order_items": ("주문 상품", "Order items"),
    "csv.field.member_key": ("회원 번호", "Member number"),
    "csv.field.email": ("이메일", "E-mail"),
    "csv.field.name": ("이름", "Name"),
    "csv.field.phone": ("휴대폰", "Mobile phone"),
    "csv.field.member_group": ("회원 등급", "Member group"),
    "csv.field.signed_up_at": ("가입일", "Signed up"),
    "csv.field.email_consent": ("이메일 수신 동의", "E-mail consent"),
    "csv.field.sms_consent": ("SMS 수신 동의", "SMS consent"),
    "csv.field.night_consent": ("야간 수신 동의", "Night-time consent"),
    "csv.field.updated_at": ("수정일", "Updated"),
    "csv.field.order_key": ("주문 번호", "Order number"),
    "csv.field.status": ("주문 상태", "Order status"),
    "csv.field.ordered_at": ("주문일", "Ordered"),
    "csv.field.paid_at": ("결제일", "Paid"),
    "csv.field.delivered_at": ("배송완료일", "Delivered"),
    "csv.field.total_amount": ("결제 금액", "Amount paid"),
    "csv.field.currency": ("통화", "Currency"),
    "csv.field.item_key": ("주문 상품 번호", "Order item number"),
    "csv.field.product_key": ("상품 번호", "Product number"),
    "csv.field.product_name": ("상품명", "Product name"),
    "csv.field.option_text": ("옵션", "Options"),
    "csv.field.quantity": ("수량", "Quantity"),
    "csv.field.unit_price": ("판매가", "Unit price"),
    # a file that cannot be read (core.csv_import.CsvError)
    "errors.csv.utf16": (
        "이 파일은 UTF-16(유니코드 텍스트)으로 저장되어 있습니다. 엑셀에서 ‘CSV UTF-8(쉼표로 분리)’ "
        "또는 ‘CSV(쉼표로 분리)’로 다시 저장하세요.",
        "This file is saved as UTF-16 (Unicode text). Save it again from Excel as "
        "'CSV UTF-8 (Comma delimited)' or 'CSV (Comma delimited)'.",
    ),
    "errors.csv.encoding": (
        "{line}행에 UTF-8로도 CP949(엑셀 한글)로도 읽을 수 없는 글자가 있습니다. "
        "엑셀에서 ‘CSV UTF-8(쉼표로 분리)’로 다시 저장하세요.",
        "Line {line} holds characters that are neither UTF-8 nor CP949 (Korean Excel). "
        "Save the file again from Excel as 'CSV UTF-8 (Comma delimited)'.",
    ),
    "errors.csv.empty": (
        "파일이 비어 있습니다. 첫 줄에 열 이름(헤더)이 있는 CSV 파일을 올리세요.",
        "The file is empty. Upload a CSV file whose first line holds the column names (header).",
    ),
    "errors.csv.unreadable": (
        "{line}행을 CSV로 읽을 수 없습니다: {problem}",
        "Line {line} cannot be read as CSV: {problem}",
    ),
    # mapping
    "csv.mapping.missing": (
        "필수 항목에 연결된 열이 없습니다: {fields}.",
        "No column is mapped to the required field(s): {fields}.",
    ),
    "csv.mapping.unknown": (
        "파일에 없는 열이 연결되어 있습니다: {headers}.",
        "Mapped column(s) not in the file: {headers}.",
    ),
    # why a row is bad
    "csv.reason.missing": ("{field} 값이 비어 있습니다 (열 ‘{header}’)", "{field} is empty (column '{header}')"),
    "csv.reason.bad_email": (
        "{field} ‘{value}’은(는) 이메일 주소 형식이 아닙니다",
        "{field} '{value}' is not an e-mail address",
    ),
    "csv.reason.bad_instant": (
        "{field} ‘{value}’을(를) 날짜·시간으로 읽을 수 없습니다 (예: 2026-01-10 09:30)",
        "{field} '{value}' is not a date and time the console can read (e.g. 2026-01-10 09:30)",
    ),
    "csv.reason.bad_flag": (
        "{field} ‘{value}’은(는) 동의 값이 아닙니다 (Y/N, 예/아니오, true/false, 1/0)",
        "{field} '{value}' is not a consent value (Y/N, 예/아니오, true/false, 1/0)",
    ),
    "csv.reason.bad_consent": (
        "{field} ‘{value}’은(는) 동의 값이 아닙니다 (Y/N, 예/아니오, true/false, 1/0)",
        "{field} '{value}' is not a consent value (Y/N, 예/아니오, true/false, 1/0)",
    ),
    "csv.reason.bad_amount": ("{field} ‘{value}’은(는) 금액이 아닙니다", "{field} '{value}' is not an amount"),
    "csv.reason.bad_count": (
        "{field} ‘{value}’은(는) 0 이상의 정수가 아닙니다",
        "{field} '{value}' is not a whole number of 0 or more",
    ),
    "csv.reason.bad_status": (
        "{field} ‘{value}’은(는) 알 수 없는 주문 상태입니다 "
        "(입금대기, 결제완료, 배송중, 배송완료, 구매확정, 취소, 반품 등)",
        "{field} '{value}' is not an order status the console knows (pending, paid, "
        "shipping, delivered, confirmed, cancelled, returned, or their Korean words)",
    ),
    "csv.reason.duplicate": (
        "{field} ‘{value}’이(가) 파일의 {lines}행에도 있습니다",
        "{field} '{value}' is also on line(s) {lines} of the file",
    ),
    "csv.reason.unknown_order": (
        "주문 ‘{value}’이(가) 이 쇼핑몰에 없습니다. 주문 파일을 먼저 가져오세요",
        "order '{value}' is not in this shop; import the orders file first",
    ),
    "csv.reason.no_product": (
        "상품 번호와 상품명이 모두 비어 있습니다",
        "both the product number and the product name are empty",
    ),
    "csv.reason.too_many_values": (
        "값이 {count}개로, 헤더의 열 {width}개보다 많습니다",
        "{count} values, more than the header's {width} columns",
    ),
    # the sync history
    "csv.run.bad_rows": (
        "{file}: {rows}행 중 {bad}행을 가져오지 않았습니다.",
        "{file}: {bad} of {rows} rows were not imported.",
    ),
    "csv.run.rejected": (
        "‘전부 아니면 전무’로 가져오기를 선택해, 잘못된 행 {bad}개 때문에 아무것도 가져오지 않았습니다.",
        "'All or nothing' was chosen and {bad} row(s) were bad, so nothing was imported.",
    ),
    "csv.run.line": ("{line}행: {reasons}", "line {line}: {reasons}"),
    "csv.run.more": ("외 {n}행", "and {n} more"),
    "csv.run.store_failed": (
        "저장소에 쓰지 못해 아무것도 가져오지 않았습니다: {problem}",
        "Nothing was imported: the store could not be written ({problem})",
    ),
    # CSV shops refused (core.csv_import.create_csv_shop, csv_shop)
    "errors.csv.shop.bad_id": (
        "쇼핑몰 ID는 영문 소문자, 숫자, -, _ 로 1~40자여야 합니다",
        "the shop id must be 1-40 lowercase letters, digits, - or _",
    ),
    "errors.csv.shop.no_name": ("쇼핑몰 이름을 입력하세요", "enter the shop's name"),
    "errors.csv.shop.taken": (
        "쇼핑몰 ID ‘{shop_id}’는 이미 {platform} 쇼핑몰이 쓰고 있습니다. 다른 ID를 고르세요.",
        "The shop id '{shop_id}' is already used by a {platform} shop. Choose another id.",
    ),
    "errors.csv.shop.not_csv": (
        "‘{shop_id}’는 {platform} 쇼핑몰입니다. CSV는 CSV 쇼핑몰에만 가져올 수 있습니다.",
        "'{shop_id}' is a {platform} shop. CSV files can only be imported into a CSV shop.",
    ),
    # the page
    "csv.title": ("CSV 가져오기", "CSV import"),
    "csv.subtitle": (
        "다른 곳에서 내려받은 회원·주문·주문 상품 CSV 파일이나 엑셀 파일(.xlsx, .xls)을 CSV 쇼핑몰로 가져옵니다. "
        "UTF-8과 CP949(엑셀 한글) 파일을 모두 읽습니다.",
        "Import members, orders and order items exported from elsewhere, as CSV or Excel (.xlsx, .xls) files, "
        "into a CSV shop. UTF-8 and CP949 (Korean Excel) CSV files are both read.",
    ),
    "csv.format_help": (
        "열 이름, 날짜 형식, 동의 값은 docs/csv-format.md에 정리되어 있습니다.",
        "Column names, date formats and consent values are described in docs/csv-format.md.",
    ),
    "csv.step.shop": ("1. 쇼핑몰", "1. Shop"),
    "csv.step.file": ("2. 파일", "2. File"),
    "csv.step.mapping": ("3. 열 연결", "3. Column mapping"),
    "csv.step.check": ("4. 미리보기와 검사", "4. Preview and check"),
    "csv.step.import": ("5. 가져오기", "5. Import"),
    "csv.shop.pick": ("CSV 쇼핑몰", "CSV shop"),
    "csv.shop.none": ("아직 CSV 쇼핑몰이 없습니다. 아래에서 만드세요.", "There is no CSV shop yet. Create one below."),
    "csv.shop.new": ("새 CSV 쇼핑몰 만들기", "Create a CSV shop"),
    "csv.shop.id": ("쇼핑몰 ID", "Shop id"),
    "csv.shop.id_help": ("영문 소문자, 숫자, -, _ (최대 40자)", "lowercase letters, digits, - and _ (up to 40)"),
    "csv.shop.name": ("쇼핑몰 이름", "Shop name"),
    "csv.shop.create": ("만들기", "Create"),
    "csv.shop.created": ("CSV 쇼핑몰 ‘{name}’을(를) 만들었습니다.", "Created the CSV shop '{name}'."),
    "csv.kind": ("가져올 내용", "What the file holds"),
    "csv.upload": ("CSV 또는 엑셀 파일", "CSV or Excel file"),
    "csv.upload_help": (
        "첫 줄이 열 이름(헤더)인 CSV 파일(쉼표 또는 탭으로 구분)이나, 쇼핑몰 관리자에서 내려받은 엑셀 파일"
        "(.xlsx, .xls)이에요. 엑셀은 첫 번째 시트를 읽고, 오류는 엑셀의 행 번호로 알려 드려요.",
        "A CSV file whose first line holds the column names (comma or tab separated), or an Excel file "
        "(.xlsx, .xls) downloaded from the shop's admin. Excel files are read from their first sheet, and errors "
        "name the row numbers Excel shows.",
    ),
    "csv.encoding.excel": ("엑셀", "Excel"),
    "csv.file_info": ("‘{name}’ · 인코딩 {encoding} · {rows}행", "'{name}' · encoding {encoding} · {rows} rows"),
    "csv.file_info_unchecked": ("‘{name}’ · 인코딩 {encoding}", "'{name}' · encoding {encoding}"),
    "csv.encoding.utf-8": ("UTF-8", "UTF-8"),
    "csv.encoding.utf-8-sig": ("UTF-8 (BOM)", "UTF-8 (BOM)"),
    "csv.encoding.cp949": ("CP949 (엑셀 한글)", "CP949 (Korean Excel)"),
    "csv.no_file": (
        "CSV 파일을 올리면 열 연결과 미리보기가 나타납니다.",
        "Upload a CSV file to see the column mapping and a preview.",
    ),
    "csv.mapping.help": (
        "파일의 열 이름을 보고 자동으로 연결했습니다. 다르면 바꾸세요. *는 필수입니다.",
        "Columns were mapped from the file's column names. Change any that are wrong. * is required.",
    ),
    "csv.mapping.none": ("(연결 안 함)", "(not mapped)"),
    "csv.mapping.key_from_email": (
        "회원 번호 열을 연결하지 않으면 이메일이 회원 번호로 쓰입니다.",
        "Without a member number column, the e-mail is the member number.",
    ),
    "csv.mapping.item_key_derived": (
        "주문 상품 번호 열을 연결하지 않으면 ‘주문번호#순번’이 쓰입니다.",
        "Without an order item number column, 'order number#position' is used.",
    ),
    "csv.preview.first_rows": ("처음 {n}행 (가져올 항목으로 연결된 값)", "First {n} rows (the mapped values)"),
    "csv.preview.blank": ("빈 줄 {n}개는 건너뜁니다.", {"one": "{n} empty line is skipped.", "other": "{n} empty lines are skipped."}),
    "csv.bad.title": ("잘못된 행", "Bad rows"),
    "csv.bad.none": ("잘못된 행이 없습니다.", "No bad rows."),
    "csv.col.line": ("행", "Line"),
    "csv.col.reason": ("이유", "Reason"),
    "csv.col.rows": ("전체 행", "Rows"),
    "csv.col.good": ("가져올 수 있는 행", "Can be imported"),
    "csv.col.bad": ("잘못된 행", "Bad rows"),
    "csv.bad.more": ("잘못된 행 {n}개 중 처음 {shown}개만 보여 줍니다.", "Showing the first {shown} of {n} bad rows."),
    "csv.mode": ("잘못된 행이 있을 때", "When some rows are bad"),
    "csv.mode.good_rows": ("올바른 행만 가져오기", "Import the good rows"),
    "csv.mode.all_or_nothing": (
        "전부 아니면 전무 (하나라도 잘못되면 가져오지 않음)",
        "All or nothing (import nothing if any row is bad)",
    ),
    "csv.import": ("가져오기", "Import"),
    "csv.result.done": ("{imported}행을 가져왔습니다 ({kind}).", "Imported {imported} rows ({kind})."),
    "csv.result.partial": (
        "{imported}행을 가져왔고, 잘못된 행 {bad}개는 가져오지 않았습니다.",
        "Imported {imported} rows; {bad} bad rows were not imported.",
    ),
    "csv.result.rejected": (
        "잘못된 행이 {bad}개 있어 아무것도 가져오지 않았습니다. 파일을 고친 뒤 다시 올리세요.",
        "{bad} rows are bad, so nothing was imported. Fix the file and upload it again.",
    ),
    "csv.result.failed": ("가져오지 못했습니다: {error}", "The import failed: {error}"),
    "csv.history": ("가져오기 기록", "Import history"),
    "csv.history.none": ("아직 가져온 기록이 없습니다.", "Nothing has been imported yet."),
}
