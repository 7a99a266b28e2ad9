"""Running Distance for real traffic: replicas behind nginx's proxy_cache (`make cluster`)."""
