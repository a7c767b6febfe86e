"""The evaluation service: Enterprise and expert evaluation, grading, value and high-value flags (市场评价、分级分类、价值评估)."""
