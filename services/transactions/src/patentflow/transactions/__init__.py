"""The transactions service: Transfer registration, licence filing, open licences, equity, fee schemes, product filing (转让登记、许可备案、开放许可)."""
