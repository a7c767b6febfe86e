"""The pledge service: Pledge registration, loans and risk compensation (质押登记、质押融资、风险补偿)."""
