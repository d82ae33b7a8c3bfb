# Unit (Check) and integration tests.
