"""Words of the Godomall connection and its address book (core/sync/godomall_book.py, core/integrations/godomall.py)."""
from __future__ import annotations

WORDS: dict[str, tuple[str, str | dict[str, str]]] = {
    "godomall.import_warning": (
        "고도몰에서 불러오기를 실행하면 주소록이 고도몰 회원 정보로 바뀝니다. 지금 주소록의 "
        "회원 {members}명과 그룹 {groups}개가 초기화되고, 고도몰에 없는 회원은 주소록에서 "
        "빠집니다. 관리 목적으로 만든 그룹은 고도몰의 회원 그룹으로 돌아갑니다. "
        "(오늘 남은 불러오기 {left}/{limit}회)",
        "Importing from Godomall replaces the address book with Godomall's members: "
        "its {members} members and {groups} groups are reset, members Godomall no longer "
        "has leave the address book, and groups you made go back to Godomall's member "
        "groups. ({left}/{limit} imports left today)",
    ),
    "godomall.quota_exceeded": (
        "고도몰에서 불러오기는 계정당 하루 {limit}회까지 할 수 있습니다. 오늘은 모두 "
        "사용했으니 내일(한국 시간 자정 이후) 다시 시도하세요.",
        "Godomall imports are limited to {limit} a day per account, and today's are used "
        "up. Try again tomorrow (after midnight, Korea time).",
    ),
    "godomall.import_running": (
        "고도몰에서 불러오기가 이미 진행 중입니다({since} 시작). 끝난 뒤에 다시 시도하세요.",
        "A Godomall import is already running (started {since}). Try again when it ends.",
    ),
    "godomall.duplicate_account": (
        "이 고도몰 계정은 이미 ‘{shop}’ 쇼핑몰로 연결되어 있습니다. 고도몰 주소록은 "
        "계정당 1개만 만들 수 있습니다.",
        "This Godomall account is already connected as the shop ‘{shop}’. "
        "Only one Godomall address book per account.",
    ),
    "godomall.missing_keys": (
        "고도몰 파트너 키와 사용자 키를 모두 입력하세요.",
        "Enter both the Godomall partner key and user key.",
    ),
    "godomall.stale": (
        "주소록을 마지막으로 업데이트한 지 {days}일이 지났습니다. 보내기 전에 고도몰에서 다시 "
        "불러오세요.",
        "The address book was last updated {days} days ago. Import from Godomall again before "
        "sending.",
    ),
    "godomall.never_imported": (
        "이 주소록은 아직 고도몰에서 불러온 적이 없습니다. 보내기 전에 고도몰에서 불러오세요.",
        "This address book was never imported from Godomall. Import it before sending.",
    ),
    "godomall.imports_left": ("오늘 남은 불러오기: {left}/{limit}회", "Imports left today: {left}/{limit}"),
    "godomall.last_updated": ("마지막 업데이트: {when}", "Last updated: {when}"),
    "godomall.no_member_number": (
        "회원 파일에 ‘회원번호’ 열이 없어요. 주문이 회원을 회원번호로 가리키기 때문에 꼭 필요해요. 고도몰 관리자의 "
        "엑셀 다운로드 양식에 회원번호를 넣어 다시 내려받아 주세요. (파일의 열: {columns})",
        "The member file has no ‘회원번호’ (member number) column, which orders use to name their member. Add the "
        "member number to the Excel download form in Godomall's admin and download the file again. "
        "(The file's columns: {columns})",
    ),
    "godomall.file_rejected": (
        "회원 파일에 잘못된 행이 {bad}개 있어서 주소록을 바꾸지 않았어요. 파일을 고쳐서 다시 올려 주세요. "
        "(오늘 불러오기 횟수는 그대로예요.)",
        "The member file has {bad} bad row(s), so the address book was left as it was. Fix the file and upload "
        "it again. (This did not use up one of today's imports.)",
    ),
    "godomall.member_file": ("고도몰 회원 파일 (엑셀 또는 CSV)", "Godomall member file (Excel or CSV)"),
    "godomall.member_file_help": (
        "고도몰 관리자에서 회원 > 회원 리스트로 가서 ‘엑셀 다운로드’를 누르면 회원 파일을 받을 수 있어요. "
        "다운로드 양식에는 회원번호, 아이디, 이름, 이메일, 휴대폰번호, 회원등급, 가입일, 메일수신여부, SMS수신여부를 "
        "넣어 주세요. 고도몰 오픈 API에는 회원 조회가 없어서, 주소록은 이 파일로 채워요.",
        "In Godomall's admin, go to 회원 (Members) > 회원 리스트 (Member list) and press ‘엑셀 다운로드’ (Excel "
        "download) to get the member file. Put the member number, ID, name, e-mail, mobile number, member grade, "
        "sign-up date, e-mail consent and SMS consent in the download form. Godomall's Open API has no member "
        "lookup, so the address book is filled from this file.",
    ),
    "godomall.member_file_needed": (
        "먼저 고도몰 관리자에서 내려받은 회원 파일을 올려 주세요.",
        "First upload the member file downloaded from Godomall's admin.",
    ),
    "godomall.connection_ok": (
        "고도몰에 연결되었어요: 상품 {products}개, 분류 {categories}개",
        "Connected to Godomall: {products} products, {categories} categories",
    ),
}
