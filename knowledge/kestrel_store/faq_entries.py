"""Kestrel Supply's FAQ, hand-written for this project; ``generate.py`` writes it to ``faq.jsonl``.

The numbers here are the ones in ``policy.toml`` (14-day returns, 30 days for office chairs and desks,
a €3.95 change-of-mind fee, 30-day exchanges at most twice per item, cancel until dispatch), and the
shipping terms are the ones the order generator uses (€4.90, free from €60). Tests check both.
"""

from __future__ import annotations

UPDATED = "2026-10-01"

# (id, topic, title, body)
_ENTRIES: list[tuple[str, str, str, str]] = [
    # -- returns --------------------------------------------------------------------------------
    ("ret-window", "returns", "How long do I have to return something?",
     "Most items can be returned within 14 days of delivery for a refund of the item price. Office chairs and "
     "desks get longer to decide: they can be returned within 30 days of delivery. Items must be unused, with "
     "their labels and original packaging, so that we can sell them again. Socks and earbuds are the exception: "
     "they cannot be returned at all (see the list of non-returnable items). If you return an item because you "
     "changed your mind, a return fee of €3.95 is deducted from the refund."),
    ("ret-furniture", "returns", "Can I return an office chair or a desk?",
     "Yes. Office chairs and desks can be returned within 30 days of delivery, instead of the 14 days that apply "
     "to everything else, because it takes more than a few days at a desk to know whether it suits you. Keep the "
     "original boxes: we book a freight pick-up from your door, and the chair or desk has to travel "
     "disassembled and packed as it came. A change-of-mind return of furniture costs the same €3.95 as any "
     "other return; it is deducted from your refund."),
    ("ret-non-returnable", "returns", "Which items can't be returned?",
     "For hygiene reasons, socks and earbuds cannot be returned for a refund once they have been delivered, "
     "even if the packaging is still sealed. This does not affect your guarantee: socks or earbuds that arrive "
     "faulty or damaged are repaired or replaced under the 2-year guarantee. Unworn socks and unopened earbuds "
     "can still be exchanged for another size or colour of the same product within 30 days of delivery."),
    ("ret-fee", "returns", "Do I pay for sending a return back?",
     "Every return comes with a prepaid label. If you return something because you changed your mind, €3.95 is "
     "deducted from your refund to cover the label, once per return however many items are in the parcel. "
     "Returning an item that is faulty, arrived damaged or is not what you ordered costs nothing, and exchanges "
     "for another size or colour are free as well."),
    ("ret-how", "returns", "How do I start a return?",
     "Ask the assistant to return an item from your order, giving the order number (for example #N4821307), or "
     "open the order in your account and choose Return. You will receive a prepaid DHL or PostNL label by "
     "e-mail; print it or show the QR code at a drop-off point. Pack the item in its original packaging and keep "
     "the drop-off receipt until your refund arrives."),
    ("ret-faulty", "returns", "My item arrived damaged or doesn't work. What now?",
     "We are sorry about that. Send us your order number and a photo of the damage or fault through the chat or "
     "by e-mail, as soon as you notice it. We will send a replacement, or a refund if you prefer, and the return "
     "label is free. Damaged and faulty items are never charged the return fee, and this also applies to socks "
     "and earbuds."),
    ("ret-refund-time", "returns", "When will I get my refund?",
     "We refund within 5 business days of your return reaching our warehouse in Utrecht. The money goes back to "
     "the payment method you used: cards and PayPal usually show it within 3 to 5 business days after that, "
     "iDEAL and Bancontact refunds arrive as a bank transfer. Shipping charges of the original order are "
     "refunded only when the whole order comes back because it was faulty or wrong."),
    # -- cancelling and changing orders -----------------------------------------------------------
    ("cancel-before-dispatch", "orders", "How do I cancel my order?",
     "You can cancel an order yourself while its status is pending or processing, which means until it has been "
     "dispatched. Ask the assistant with your order number or use the Cancel button in your account; the "
     "cancellation is immediate. The full amount, shipping included, is released or refunded to your payment "
     "method within 5 business days."),
    ("cancel-too-late", "orders", "Why can't I cancel my order any more?",
     "Orders can only be cancelled while they are pending or processing. Once an order has been dispatched "
     "(status shipped), the parcel is with the carrier and we can no longer stop it. You can refuse the delivery "
     "or return the items within 14 days of delivery (30 days for office chairs and desks) as a normal return."),
    ("addr-change", "orders", "Can I change the delivery address of my order?",
     "Address changes are made by our customer team, not in self-service. While the order is still pending or "
     "processing, ask the assistant or e-mail us with your order number and the new address within the EU; a "
     "team member updates the order, usually within one business hour during opening hours, and confirms by "
     "e-mail. Once an order has shipped we cannot change the address any more, but the carrier's own redirect "
     "service (DHL, PostNL or DPD) may still be able to help."),
    ("order-statuses", "orders", "What do the order statuses mean?",
     "Pending: your order is placed and the payment is being confirmed. Processing: we are picking and packing "
     "it in our warehouse. Shipped: it has left the warehouse and you have a tracking number. Delivered: the "
     "carrier has delivered it. Cancelled: the order was cancelled before dispatch and not charged. Returned: "
     "the items came back to us and the refund has been issued."),
    ("order-number", "orders", "Where do I find my order number?",
     "Your order number is a capital letter followed by seven digits, for example N4821307. It is in the subject "
     "of your order confirmation e-mail and next to every order in your account. You can give it to the "
     "assistant with or without the hash sign, as #N4821307 or N4821307."),
    # -- exchanges --------------------------------------------------------------------------------
    ("exch-size-colour", "exchanges", "Can I exchange an item for another size or colour?",
     "Yes. You can exchange an unused item for another size or colour of the same product within 30 days of "
     "delivery, free of charge, as long as the version you want is in stock. The assistant can arrange it for "
     "you. We send the new version as soon as the carrier scans your parcel. Some versions are priced "
     "differently (an XXL shirt, a 1 l bottle or a wider desk costs a little more), so we charge or refund the "
     "difference."),
    ("exch-other-product", "exchanges", "Can I swap an item for a different product?",
     "Exchanges are only for another size or colour of the same product. If you would rather have a different "
     "product, return the item within the return window (14 days of delivery, or 30 days for office chairs and "
     "desks) and place a new order; the change-of-mind return fee of €3.95 applies."),
    ("exch-limit", "exchanges", "How many times can I exchange the same item?",
     "Each item can be exchanged at most twice. After a second exchange, the item can still be returned if it is "
     "within its return window, but it cannot be exchanged again."),
    ("exch-out-of-stock", "exchanges", "The size or colour I want is sold out. Can I still exchange?",
     "We can only exchange for a version that is in stock, and we cannot reserve incoming stock. Pick another "
     "size or colour that is available, ask us to e-mail you when your size is back, or return the item within "
     "the return window for a refund."),
    # -- shipping ---------------------------------------------------------------------------------
    ("ship-eu", "shipping", "Which countries do you deliver to?",
     "We deliver to addresses in all 27 member states of the European Union, including the islands served by "
     "our carriers. We do not ship to the United Kingdom, Switzerland, Norway or outside Europe. Prices already "
     "include the VAT of your country, and there are no customs duties within the EU."),
    ("ship-times", "shipping", "How long does delivery take?",
     "Orders placed on a business day before 15:00 (Amsterdam time) leave our warehouse in Utrecht the same day "
     "or the next business day. After dispatch, delivery takes 1 to 2 business days to the Netherlands, "
     "Belgium and Luxembourg, 2 to 4 business days to Germany, France, Denmark and Austria, and 3 to 7 business "
     "days to the rest of the EU."),
    ("ship-costs", "shipping", "How much does shipping cost?",
     "Standard delivery costs €4.90 per order, to any EU country. It is free when the items in your order come "
     "to €60 or more after discounts. We do not offer express delivery at the moment. Office chairs and desks "
     "ship at the same rate; they usually qualify for free delivery anyway."),
    ("ship-tracking", "shipping", "How can I track my parcel?",
     "When your order ships you receive an e-mail with the carrier (DHL, PostNL or DPD) and a tracking number. "
     "You can also ask the assistant for the status of your order with its order number. Tracking can take a "
     "few hours to show the first scan."),
    ("ship-late", "shipping", "My parcel is late or tracking hasn't moved. What should I do?",
     "If tracking has not changed for 5 business days, or the parcel is marked delivered but you cannot find it, "
     "contact us with your order number. We open an investigation with the carrier and, if the parcel is lost, "
     "send the items again or refund them."),
    # -- payment and prices -----------------------------------------------------------------------
    ("pay-methods", "payment", "Which payment methods do you accept?",
     "You can pay with iDEAL, Bancontact, Visa, Mastercard, American Express, PayPal or Klarna (pay later by "
     "invoice, in the countries where Klarna offers it). We do not accept cash on delivery or cheques."),
    ("pay-when-charged", "payment", "When is my payment taken?",
     "Card and PayPal payments are authorised when you order and taken when the order is dispatched, so an "
     "order cancelled before dispatch is never charged. iDEAL and Bancontact are paid at checkout and refunded "
     "if you cancel."),
    ("pay-currency", "payment", "Which currency are your prices in? Is VAT included?",
     "All prices are in euros (EUR) and include VAT. We charge the VAT rate of the EU country the order is "
     "delivered to, so the price at checkout can differ slightly from the price shown before you entered your "
     "address."),
    ("prices-by-version", "payment", "Why does the price change when I pick another size?",
     "Some products are priced per version: larger sizes use more material, so an XXL t-shirt, a 1 l water "
     "bottle, a 30 l backpack or a 160 x 80 cm desk costs more than the smallest version. The price shown next "
     "to the size you select is the one you pay."),
    ("sale-prices", "promotions", "What does a crossed-out price mean?",
     "A crossed-out price next to a product is the lowest price we charged for it during the month before the "
     "sale started, as EU rules require. Sale items can be returned and exchanged under the usual rules."),
    # -- warranty, care, sizing -------------------------------------------------------------------
    ("warranty", "warranty", "What guarantee do your products have?",
     "Everything we sell has the 2-year legal guarantee against manufacturing defects, counted from delivery. "
     "Office chairs get 5 years on the frame and the gas lift. The guarantee does not cover normal wear, damage "
     "from accidents, or fabric worn through by use."),
    ("warranty-claim", "warranty", "How do I make a guarantee claim?",
     "Send us your order number, a short description of the fault and a photo or video through the chat or by "
     "e-mail. If the fault is covered, we repair or replace the item, or refund it when neither is possible. "
     "You do not pay for sending it in."),
    ("care-merino", "care", "How should I wash merino wool?",
     "Wash merino t-shirts, socks and hoodies on a wool or delicate cycle at 30 °C, inside out, with a wool "
     "detergent and no fabric softener. Dry them flat and out of direct sun; never tumble dry. Merino needs "
     "washing less often than cotton: airing it overnight is often enough."),
    ("sizing-tshirt", "sizing", "How do your t-shirts and hoodies fit?",
     "Our tops follow European sizing from XS to XXL. As a guide, chest width: S 92-96 cm, M 97-102 cm, "
     "L 103-108 cm, XL 109-114 cm, XXL 115-122 cm. Relaxed and boxy fits are cut roomier on purpose; if you are "
     "between sizes in a slim fit, take the larger one. Every product page lists the fit."),
    ("sizing-shoes-socks", "sizing", "Which sizes do your sneakers and socks come in?",
     "Sneakers use EU sizes, from 36 to 46 depending on the model. If you are between sizes, choose the larger "
     "one. Socks come in ranges such as 35-38, 39-42 and 43-46, matched to your EU shoe size."),
    # -- contact, account, privacy ----------------------------------------------------------------
    ("contact-hours", "contact", "How can I talk to a person, and when is your team available?",
     "You can ask the assistant to pass your question to a person at any time; it opens a ticket with the "
     "conversation so you do not need to repeat yourself. Our customer team works Monday to Friday from 09:00 "
     "to 17:30 and on Saturday from 10:00 to 14:00 (Amsterdam time), and answers chat tickets and e-mails to "
     "help@kestrel-supply.example within one business day. We do not have a phone line."),
    ("account-guest", "account", "Do I need an account to order?",
     "No, you can check out as a guest with just an e-mail address. An account lets you see your order history, "
     "start returns and exchanges yourself, and save addresses."),
    ("privacy-data", "privacy", "What do you do with my personal data?",
     "We use your details only to deliver your orders and answer your questions, and we never sell them. Chats "
     "with the assistant are kept for 90 days to improve answers and then deleted. You can ask for a copy of "
     "your data or for its deletion at any time, as the GDPR allows."),
    ("gift-notes", "products", "Can I send an order as a gift?",
     "Yes. Enter the recipient's address at checkout and tick the gift option: we leave out the prices and add "
     "a handwritten card with your message. We do not gift-wrap, to save packaging."),
]

FAQ_ENTRIES: list[dict[str, str]] = [
    {"id": entry_id, "title": title, "topic": topic, "updated": UPDATED, "body": body}
    for entry_id, topic, title, body in _ENTRIES
]
