from customers.forms.customer import CustomerFilterForm, CustomerForm

__all__ = ["CustomerFilterForm", "CustomerForm"]
