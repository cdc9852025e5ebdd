"""Words of the analysts' notebook API (core.analyst): the errors it raises, looked up as `errors.<key>`."""

WORDS: dict[str, tuple[str, str | dict[str, str]]] = {
    "errors.analyst.read_only": (
        "노트북에서는 조회(SELECT) 쿼리 하나만 실행할 수 있어요. 받은 쿼리: {statements}",
        "Only one SELECT query can run from a notebook; the query was: {statements}"),
    "errors.analyst.bad_sql": (
        "쿼리를 실행할 수 없어요 ({error}). 자세한 내용을 확인해 주세요.",
        "The query cannot run ({error}); see the details."),
    "errors.analyst.bad_day": (
        "{field} 값 ‘{value}’은(는) 날짜가 아니에요. 2026-01-31처럼 적어 주세요.",
        "{field} ‘{value}’ is not a date; write it like 2026-01-31."),
    "errors.analyst.bad_period": (
        "기간이 거꾸로예요: {until}이(가) {since}보다 앞서요.",
        "The period ends ({until}) before it starts ({since})."),
    "errors.analyst.no_segment": (
        "‘{shop_id}’ 쇼핑몰에 ‘{name}’(이)라는 저장된 세그먼트가 없어요.",
        "Shop ‘{shop_id}’ has no saved segment named ‘{name}’."),
    "errors.analyst.no_shop": ("‘{shop_id}’ 쇼핑몰이 저장소에 없어요.", "There is no shop ‘{shop_id}’ in the store."),
    "errors.analyst.no_store": (
        "‘{path}’에 저장소도 스냅샷도 없어요. 경로를 확인해 주세요.",
        "There is no store or snapshot at ‘{path}’; check the path."),
    "errors.analyst.no_snapshot": (
        "‘{path}’ 폴더는 스냅샷이 아니에요 (manifest.json이 없어요).",
        "The folder ‘{path}’ is not a snapshot (it has no manifest.json)."),
    "errors.analyst.bad_snapshot": (
        "‘{path}’ 스냅샷을 읽을 수 없어요. 스냅샷을 다시 만들어 주세요.",
        "The snapshot at ‘{path}’ cannot be read; take it again."),
    "errors.analyst.snapshot_out": (
        "‘{path}’에는 스냅샷을 쓸 수 없어요. 비어 있거나 새 폴더를 골라 주세요.",
        "A snapshot cannot be written to ‘{path}’; choose an empty or new folder."),
}
