"""The console's own words: the generic explanation of each kind of error, shown when an error's key has
no words of its own, and the words of the console's shared parts."""
WORDS: dict[str, tuple[str, str | dict[str, str]]] = {
    "errors.kind.invalid": ("입력한 값을 확인해 주세요.", "Please check what you entered."),
    "errors.kind.not_found": ("찾을 수 없어요. 이미 지워졌을 수 있어요.", "It could not be found; it may have been deleted."),
    "errors.kind.conflict": ("지금 상태에서는 할 수 없어요. 화면을 새로고침한 뒤 다시 확인해 주세요.",
                             "That can't be done in the current state. Refresh the page and check again."),
    "errors.kind.auth": ("인증에 실패했어요. 연동 관리에서 다시 인증해 주세요.",
                         "Authentication failed. Authorize the shop again under Connections."),
    "errors.kind.unreachable": ("연결할 수 없어요. 주소와 네트워크를 확인한 뒤 다시 시도해 주세요.",
                                "Could not connect. Check the address and the network, then try again."),
    "errors.kind.rate_limited": ("요청이 너무 많아 상대 서버가 잠시 막았어요. 잠시 뒤 다시 시도해 주세요.",
                                 "The other side asked us to slow down. Try again in a moment."),
    "errors.kind.upstream": ("상대 서버에서 오류가 났어요. 잠시 뒤 다시 시도해 주세요.",
                             "The other side failed. Try again in a moment."),
    "errors.kind.bad_response": ("상대 서버가 읽을 수 없는 응답을 보냈어요.", "The other side sent an answer we cannot read."),
    "errors.kind.busy": ("다른 작업이 저장소를 쓰고 있어요. 잠시 뒤 다시 시도해 주세요.",
                         "The store is busy with another task. Try again in a moment."),
    "errors.kind.unknown_outcome": ("처리되었는지 확인할 수 없어요. 다시 시도하기 전에 결과를 먼저 확인해 주세요.",
                                    "We can't tell whether it happened. Check the result before trying again."),
    "errors.kind.internal": ("예기치 않은 오류가 났어요. 계속되면 관리자에게 알려 주세요.",
                             "Something unexpected went wrong. If it keeps happening, tell your administrator."),
    "errors.internal": ("예기치 않은 오류가 났어요 ({error}). 계속되면 관리자에게 알려 주세요.",
                        "Something unexpected went wrong ({error}). If it keeps happening, tell your administrator."),
    "errors.store.busy": ("다른 작업이 저장소를 쓰고 있어요 ({seconds}초 넘게 기다렸어요). 잠시 뒤 다시 시도해 주세요.",
                          "The store was busy for more than {seconds} s. Try again in a moment."),
    "errors.store.too_new": ("저장소가 이 콘솔보다 새 버전({version})으로 만들어졌어요. 콘솔을 업데이트해 주세요.",
                             "The store was written by a newer version ({version}) of the console. Update the console."),
    "errors.store.unusable": ("저장소를 열 수 없어요. 파일 경로와 권한을 확인해 주세요.",
                              "The store cannot be opened. Check the file's path and permissions."),
    "loyalty.col.link_open": ("열기", "Open"),
}

# The dictionaries by language, for a loader that reads one dict per language.
KO = {key: ko for key, (ko, _) in WORDS.items()}
EN = {key: en if isinstance(en, str) else en["other"] for key, (_, en) in WORDS.items()}
