"""The matching service: Enterprise demands matched with pool patents, pushed by province and industry (匹配推送、供需对接)."""
