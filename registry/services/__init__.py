"""Registry services: the functions views, API methods and commands all call.

Services add and flush, never commit: the caller commits once per request.
"""
