"""The screener page: server-rendered HTML, no build step."""
