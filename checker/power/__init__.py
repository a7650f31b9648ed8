"""Power results: PTD session files, power-analyser samples, the Power WG checks and the power metric.

`stamps` reads the fixed-format wall-clock stamps of PTD and LoadGen, `logs` parses `spl.txt` and
`ptd_logs.txt` once each, `session` reads `client.json`/`server.json`, `wg` holds the Power Working
Group checks as pure functions, and `metric` computes the power metric and efficiency.
"""
