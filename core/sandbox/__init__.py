"""The sandbox shop: a simulated Korean mall (`mall`) served over the Cafe24 Admin API (`server`)."""
