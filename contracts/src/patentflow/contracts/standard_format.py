"""The standard batch format institutions exchange stock patents in: its Chinese column names and their fields.

Integrating systems and provincial platforms write and read files with these headers; the inventory service
imports and exports them (aliases are read, the first name of each field is written).
"""

from __future__ import annotations

# Column name (as institutions' templates write them, with aliases) → field of the row.
COLUMNS: dict[str, str] = {
    "申请号": "application_number", "专利号": "application_number",
    "专利名称": "title", "名称": "title",
    "专利类型": "patent_type",
    "摘要": "abstract",
    "主分类号": "ipc_main", "IPC主分类号": "ipc_main",
    "IPC分类号": "ipc_secondary", "副分类号": "ipc_secondary",
    "申请日": "filing_date",
    "授权日": "grant_date", "授权公告日": "grant_date",
    "发明人": "inventors",
    "发明人账号": "inventor_ids",
    "部门": "school_id", "院系": "school_id",
    "是否财政资助": "state_funded", "是否属于财政资助科研项目形成专利": "state_funded",
    "项目编号": "project_number", "资助机构": "funder", "资助计划": "programme",
    "转化意愿": "conversion_intents",
    "实施状态": "implementation_status", "专利实施状态": "implementation_status",
    "技术成熟度": "trl",
    "专利价值分级自评": "self_grade", "自评星级": "self_grade",
    "应用场景": "application_scenario", "产业化前景描述": "application_scenario",
    "行业代码": "industry_codes", "国民经济行业分类": "industry_codes",
    "对应产品": "product", "本专利对应产品": "product",
    "技术优势": "advantages",
    "意向价格": "intended_price",
    "联系人": "contact_name", "联系方式": "contact_phone",
}  # fmt: skip
REQUIRED = ("application_number", "title", "ipc_main", "filing_date")
HEADER_OF: dict[str, str] = {}
for _name, _field in COLUMNS.items():
    HEADER_OF.setdefault(_field, _name)  # the first name of each field is the one exports write
# Columns institutions' templates carry that hold no data of the record; any other unknown column refuses the file,
# since its data would be lost (a 专利权人 column naming other owners, say).
IGNORED_COLUMNS = frozenset({"序号", "编号", "备注", "说明"})
