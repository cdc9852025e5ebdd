"""Messages out: the outbox state machine and its journal (outbox), the one dispatch loop for every
channel (dispatch), e-mail over SMTP (email), Alimtalk (alimtalk), templates and their starters.

Nothing here opens the store: functions take a DuckDB connection, and the loop takes a callable that
opens one unit of work.
"""
