module meshgate.local/tools/peers/conftest

go 1.26.0
