"""Matching (智能匹配): AI matching of approved needs to researchers (R-F2), institutions' answers (R-F3)."""
