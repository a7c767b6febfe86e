"""The inventory service: stock patents of institutions, their inventory records, review and conversion pool."""
