"""A bare django-ninja app for `bench/bench_http_quick.py`: the same URL as the finder's
nearby endpoint, answering only with a cKDTree lookup over the same stations. It measures
the floor under the finder (Django + ninja + JSON + the tree), and imports nothing of
Yizhan: it reads the station points straight from the national SQLite file."""
